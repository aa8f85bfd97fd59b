// The lightest entry point (`@partnerd/core/config-load`): finding, reading and checking the config, and
// the logger's basics. What every CLI command needs before its own work; `status` needs little more.

export { type ConfigResult, type LoadedConfig, loadConfig, parseConfig } from "./config/load.ts";
export type * from "./config/types.ts";
export { formatConfigIssue, PartnerdError, UsageError } from "./errors.ts";
export { LOG_LEVELS, type LogFields, type Logger, type LogLevel } from "./log/logger.ts";
export { redactKnownSecrets } from "./redaction.ts";
