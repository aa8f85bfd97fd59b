import { type ConfigIssue, formatConfigIssue, PartnerdError } from "../errors.ts";
import { type ConfigLocator, loadPlugin, type PluginKind } from "../plugins/load-plugin.ts";
import { type BuiltinStores, STORE_API_VERSION, type StorePlugin } from "./contract.ts";

export type { ConfigLocator } from "../plugins/load-plugin.ts";

const STORE_KIND: PluginKind = {
  noun: "store",
  apiVersion: STORE_API_VERSION,
  member: "create",
  memberType: "function",
  examplePath: "./stores/my-store.js",
};

/**
 * `use:` of one store cannot give a store plugin: not installed, missing file, throws on import, wrong
 * shape or API version. The message is one line naming `stores.<id>.use` (with file:line:column when
 * the caller passed a locator); exit code 2, because the config must change.
 */
export class StorePluginError extends PartnerdError {
  readonly storeId: string;
  readonly use: string;
  /** Where `stores.<id>.use` sits in the config file, when known. */
  readonly issue: ConfigIssue | undefined;

  constructor(
    storeId: string,
    use: string,
    problem: string,
    options: { cause?: unknown; locate?: ConfigLocator | undefined } = {},
  ) {
    const path = `stores.${storeId}.use`;
    const message = `"${use}" ${problem}`;
    const issue = options.locate ? { ...options.locate(path), path, message } : undefined;
    super("STORE_PLUGIN", issue ? formatConfigIssue(issue) : `${path}: ${message}`, {
      exitCode: 2,
      cause: options.cause,
    });
    this.storeId = storeId;
    this.use = use;
    this.issue = issue;
  }
}

/**
 * Resolves a store's `use:` (a built-in alias, a path relative to the config file's folder, or a
 * package installed where that folder can see it) and checks that it gives a store plugin; see
 * `loadPlugin`. `locate` (the config's `locate`) adds file:line:column to every error.
 */
export function loadStorePlugin(
  storeId: string,
  use: string,
  configDir: string,
  builtins: BuiltinStores,
  locate?: ConfigLocator,
): Promise<StorePlugin> {
  return loadPlugin(STORE_KIND, use, configDir, builtins, (problem, cause) => {
    throw new StorePluginError(storeId, use, problem, { cause, locate });
  });
}
