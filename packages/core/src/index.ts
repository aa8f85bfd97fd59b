export * from "./config/cron.ts";
export * from "./config/schema.ts";
export * from "./config/secret-ref.ts";
export type * from "./config/types.ts";
export * from "./errors.ts";
export * from "./fs/atomic-write.ts";
export * from "./log/logger.ts";
export * from "./secret.ts";
export * from "./stores/contract.ts";
