// A light entry point (`@partnerd/core/plugin`) for store and hook plugins: the contracts and the helpers
// a plugin needs, without the identity stack (msal-node, undici), so that loading a store for
// `partnerd validate` does not load them either. Third-party plugins may keep importing `@partnerd/core`.

export * from "./config/hook-options.ts";
export * from "./engine/backoff.ts";
export * from "./errors.ts";
export * from "./fs/atomic-write.ts";
export * from "./hooks/contract.ts";
export * from "./hooks/event-names.ts";
export type * from "./hooks/payloads.ts";
export * from "./log/logger.ts";
export { Secret } from "./secret.ts";
export * from "./stores/contract.ts";
export * from "./stores/error-text.ts";
export * from "./util/keyed-queue.ts";
