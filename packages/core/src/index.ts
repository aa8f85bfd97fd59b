export * from "./config/cron.ts";
export * from "./config/duration.ts";
export {
  CONFIG_SEARCH_PLACES,
  type FindConfigOptions,
  type FoundConfig,
  findConfigFile,
  SYSTEM_CONFIG_PATH,
} from "./config/find.ts";
export * from "./config/hook-options.ts";
export {
  type ConfigJsonSchemaOptions,
  configJsonSchema,
  configJsonSchemaText,
} from "./config/json-schema.ts";
export {
  type ConfigResult,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  type ParseConfigOptions,
  parseConfig,
} from "./config/load.ts";
export { type ConfigPath, formatPath } from "./config/locate.ts";
export * from "./config/schema.ts";
export * from "./config/secret-ref.ts";
export { resolveStateDir } from "./config/state-dir.ts";
export type * from "./config/types.ts";
export * from "./engine/backoff.ts";
export * from "./engine/events.ts";
export * from "./engine/refresh-engine.ts";
export * from "./engine/status.ts";
export * from "./errors.ts";
export * from "./fs/atomic-write.ts";
export * from "./hooks/contract.ts";
export * from "./hooks/event-names.ts";
export * from "./hooks/hook-set.ts";
export * from "./hooks/load-hook.ts";
export * from "./hooks/masking-logger.ts";
export type * from "./hooks/payloads.ts";
export * from "./hooks/runner.ts";
export * from "./hooks/sample-payload.ts";
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
export type * from "./lock/contract.ts";
export * from "./lock/errors.ts";
export * from "./lock/file-lock.ts";
export * from "./log/logger.ts";
export * from "./observe/observer.ts";
export * from "./plugins/load-plugin.ts";
export * from "./redaction.ts";
export * from "./runtime.ts";
export * from "./schedule/jitter.ts";
export * from "./schedule/schedule-for.ts";
export * from "./schedule/scheduler.ts";
export * from "./secret.ts";
export * from "./state-paths.ts";
export * from "./status-snapshot.ts";
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
export * from "./util/map-concurrent.ts";
