export * from "./config/cron.ts";
export {
  CONFIG_SEARCH_PLACES,
  type FindConfigOptions,
  type FoundConfig,
  findConfigFile,
  SYSTEM_CONFIG_PATH,
} from "./config/find.ts";
export { CONFIG_SCHEMA_ID, configJsonSchema, configJsonSchemaText } from "./config/json-schema.ts";
export {
  type ConfigResult,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  type ParseConfigOptions,
  parseConfig,
} from "./config/load.ts";
export { type ConfigPath, formatPath } from "./config/locate.ts";
export { resolveStateDir } from "./config/normalize.ts";
export * from "./config/schema.ts";
export * from "./config/secret-ref.ts";
export type * from "./config/types.ts";
export * from "./engine/events.ts";
export * from "./engine/refresh-engine.ts";
export * from "./engine/status.ts";
export * from "./errors.ts";
export * from "./fs/atomic-write.ts";
export * from "./identity/access-token.ts";
export * from "./identity/certificate.ts";
export * from "./identity/classify-error.ts";
export * from "./identity/clouds.ts";
export type * from "./identity/credential.ts";
export * from "./identity/extract-refresh-token.ts";
export * from "./identity/identity-client.ts";
export * from "./identity/modules.ts";
export * from "./identity/network-client.ts";
export * from "./identity/token-result.ts";
export * from "./log/logger.ts";
export * from "./redaction.ts";
export * from "./runtime.ts";
export * from "./schedule/scheduler.ts";
export * from "./secret.ts";
export * from "./stores/contract.ts";
export * from "./stores/load-plugin.ts";
export * from "./stores/registry.ts";
export * from "./stores/standalone-context.ts";

// Browser consent: the loopback redirect listener and openBrowser.

export * from "./engine/profile-report.ts";
export * from "./identity/consent/index.ts";
export * from "./schedule/next-run.ts";
export * from "./schedule/write-rate.ts";
export * from "./stores/error-text.ts";
export * from "./util/keyed-queue.ts";
