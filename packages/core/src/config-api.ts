// A light entry point (`@partnerd/core/config`) for commands that only read the config and the state
// folder (`validate`, `status`, the CLI's logger): nothing here loads msal-node, undici or a store SDK,
// so those commands start in a few times `node -e 0`. The same modules back the full entry, so classes
// (errors, StoreRegistry) are one and the same through either.

export { type ConfigResult, type LoadedConfig, loadConfig, parseConfig } from "./config/load.ts";
export type * from "./config/types.ts";
export { type ProfileReport, profileReports } from "./engine/profile-report.ts";
export { formatConfigIssue, PartnerdError, UsageError } from "./errors.ts";
export type { BuiltinHooks } from "./hooks/contract.ts";
export { checkHooks } from "./hooks/hook-set.ts";
export { LOG_LEVELS, type LogFields, type Logger, type LogLevel } from "./log/logger.ts";
export { redactKnownSecrets } from "./redaction.ts";
export { writeRateWarnings } from "./schedule/write-rate.ts";
export type { BuiltinStores } from "./stores/contract.ts";
export { StoreRegistry } from "./stores/registry.ts";
