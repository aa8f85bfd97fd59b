// A light entry point (`@partnerd/core/config`) for commands that check the config without running it
// (`validate`): nothing here loads msal-node, undici or a store SDK, so such commands start in a few
// times `node -e 0`. The same modules back the full entry, so classes (errors, StoreRegistry) are one and
// the same through either. `config-load` and `status` are narrower, for commands that need only those
// parts; this entry leaves `status` out (every module loaded counts in a cold start).

export * from "./config-load-api.ts";
export type { BuiltinHooks } from "./hooks/contract.ts";
export { checkHooks } from "./hooks/hook-set.ts";
export { writeRateWarnings } from "./schedule/write-rate.ts";
export type { BuiltinStores } from "./stores/contract.ts";
export { StoreRegistry } from "./stores/registry.ts";
