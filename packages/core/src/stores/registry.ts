import { resolveOptionSecret } from "../config/option-secret.ts";
import { secretEnvironmentNames } from "../config/resolve-secrets.ts";
import { DEFAULT_STORE_ID, type StoreConfig } from "../config/schema.ts";
import type { PartnerdConfig } from "../config/types.ts";
import {
  ConfigError,
  type ConfigIssue,
  formatConfigIssue,
  PartnerdError,
  StoreError,
  StoreOptionsError,
} from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import { redactError } from "../redaction.ts";
import { embeddedSecretsDir } from "../state-paths.ts";
import type { BuiltinStores, SecretStore, StoreContext, StorePlugin } from "./contract.ts";
import { loadStorePlugin, StorePluginError } from "./load-plugin.ts";

function storeContext(config: PartnerdConfig, storeId: string, logger: Logger): StoreContext {
  return {
    storeId,
    configDir: config.dir,
    stateDir: config.stateDir,
    logger: logger.child({ store: storeId }),
    secretEnvironmentNames,
    resolveSecret: (reference, optionPath) =>
      resolveOptionSecret(config, ["stores", storeId, "options"], reference, optionPath),
  };
}

/**
 * The file store partnerd adds when the config names no `default` store (`config/normalize.ts`). Its
 * options are partnerd's own, so `check` has nothing of the user's to check there, and checking them
 * would load the file store's module graph (~5% of a cold `validate`). A `default` store written
 * exactly so in the file passes the file store's check anyway.
 */
function isEmbeddedDefault(config: PartnerdConfig, storeId: string, store: StoreConfig): boolean {
  return (
    storeId === DEFAULT_STORE_ID &&
    store.use === "file" &&
    Object.keys(store.options).length === 1 &&
    store.options.dir === embeddedSecretsDir(config.stateDir)
  );
}

/** The opened stores of one runtime, by their id under `stores:`. */
export class StoreRegistry {
  readonly #stores: Map<string, SecretStore>;

  private constructor(stores: Map<string, SecretStore>) {
    this.#stores = stores;
  }

  /**
   * What `partnerd validate` can know about the stores without opening them: every plugin resolves,
   * and the options of those that offer `checkOptions` are valid. Throws the first problem found. The
   * embedded default store is left out (and so from the map returned): nothing of the config's is there.
   */
  static async check(
    config: PartnerdConfig,
    builtins: BuiltinStores,
    logger: Logger,
  ): Promise<Map<string, StorePlugin>> {
    const plugins = new Map<string, StorePlugin>();
    for (const [storeId, storeConfig] of Object.entries(config.stores)) {
      if (isEmbeddedDefault(config, storeId, storeConfig)) continue;
      const locate = (path: string) => config.locate(path);
      const plugin = await loadStorePlugin(storeId, storeConfig.use, config.dir, builtins, locate);
      try {
        await plugin.checkOptions?.(storeConfig.options, storeContext(config, storeId, logger));
      } catch (error) {
        throw createError(config, storeId, error);
      }
      plugins.set(storeId, plugin);
    }
    return plugins;
  }

  /** Opens every store the config declares; closes the ones already open if one fails. */
  static async open(
    config: PartnerdConfig,
    builtins: BuiltinStores,
    logger: Logger,
    wrap: (storeId: string, store: SecretStore) => SecretStore = (_id, store) => store,
  ): Promise<StoreRegistry> {
    const opened = new Map<string, SecretStore>();
    try {
      for (const [storeId, storeConfig] of Object.entries(config.stores)) {
        const locate = (path: string) => config.locate(path);
        const plugin = await loadStorePlugin(storeId, storeConfig.use, config.dir, builtins, locate);
        let store: SecretStore;
        try {
          store = await plugin.create(storeConfig.options, storeContext(config, storeId, logger));
        } catch (error) {
          throw createError(config, storeId, error);
        }
        // Registered before the shape check, so that a half-valid store's `close` still runs.
        if (isObject(store)) opened.set(storeId, store);
        checkStore(config, storeId, storeConfig.use, store);
      }
    } catch (error) {
      await new StoreRegistry(opened).close();
      throw error;
    }
    return new StoreRegistry(new Map([...opened].map(([storeId, store]) => [storeId, wrap(storeId, store)])));
  }

  get(storeId: string): SecretStore {
    const store = this.#stores.get(storeId);
    if (!store)
      throw new PartnerdError("STORE_UNKNOWN", `no store "${storeId}" is configured`, { exitCode: 2 });
    return store;
  }

  /** Reads a secret, turning any failure into a `StoreError` that names the store and secret. */
  async read(storeId: string, name: string) {
    try {
      return await this.get(storeId).get(name);
    } catch (error) {
      throw asStoreError(storeId, name, "read failed", error);
    }
  }

  /** Closes every store, reverse order of opening, even if some fail. */
  async close(): Promise<void> {
    for (const store of [...this.#stores.values()].reverse()) {
      try {
        await store.close?.();
      } catch {
        // One store failing to close must not keep the others open.
      }
    }
    this.#stores.clear();
  }
}

/**
 * Turns a failure of `get`/`put` into a `StoreError` naming the store and secret. A plugin's own
 * `StoreError` (from another copy of @partnerd/core, or a dependency-free plugin that mirrors its
 * `code: "STORE_FAILED"`) is recognised by shape, so its message is not prefixed twice.
 */
export function asStoreError(storeId: string, name: string, what: string, raw: unknown): StoreError {
  if (raw instanceof StoreError) return raw;
  // A plugin's error text may quote the value it was given: scrub it where it enters core.
  const error = redactError(raw);
  if (isStoreErrorLike(error)) {
    const problem = stripPrefix(error.message, [
      `store "${storeId}" secret "${name}": `,
      `store "${storeId}": `,
    ]);
    return new StoreError(storeId, name, problem, { cause: error });
  }
  return new StoreError(storeId, name, `${what}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

/**
 * `create` threw. A `StoreOptionsError` (by class or by shape: `code: "STORE_OPTIONS"` with a `key`)
 * becomes a located `stores.<id>.options.<key>: <problem>`; a `ConfigError` (from `resolveSecret`) is
 * already located; anything else is `stores.<id>: could not open the store: <message>`.
 */
function createError(config: PartnerdConfig, storeId: string, error: unknown): Error {
  if (error instanceof ConfigError) return error;
  if (isStoreOptionsErrorLike(error)) {
    const key = error.key.trim();
    const path = key === "" ? `stores.${storeId}.options` : `stores.${storeId}.options.${key}`;
    // Plugins often repeat the key in their message; the issue's path already says it.
    const problem = stripPrefix(error.message, [
      `${path}: `,
      `store "${storeId}" option "${key}": `,
      `option "${key}": `,
      `${key}: `,
    ]);
    return new ConfigError([{ ...config.locate(path), path, message: problem || "is invalid" }]);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StoreOpenError(config, storeId, message.split("\n")[0] ?? message, error);
}

/** A store's `create` failed for a reason other than its options; exit code 2, like every config problem. */
export class StoreOpenError extends PartnerdError {
  readonly storeId: string;
  readonly issue: ConfigIssue;

  constructor(config: PartnerdConfig, storeId: string, problem: string, cause?: unknown) {
    const path = `stores.${storeId}`;
    const issue = { ...config.locate(path), path, message: `could not open the store: ${problem}` };
    super("STORE_OPEN", formatConfigIssue(issue), { exitCode: 2, cause });
    this.storeId = storeId;
    this.issue = issue;
  }
}

function checkStore(config: PartnerdConfig, storeId: string, use: string, store: unknown): void {
  const problems: string[] = [];
  if (!isObject(store)) problems.push(`returned ${store === null ? "null" : typeof store}`);
  else {
    if (typeof store.get !== "function") problems.push("has no get()");
    if (typeof store.put !== "function") problems.push("has no put()");
    if (!isObject(store.capabilities)) problems.push("has no capabilities object");
    if (store.close !== undefined && typeof store.close !== "function")
      problems.push("has a close that is not a function");
  }
  if (problems.length > 0) {
    throw new StorePluginError(
      storeId,
      use,
      `create() ${problems.join(", ")} (expected { capabilities, get, put, close? })`,
      { locate: (path) => config.locate(path) },
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isStoreOptionsErrorLike(error: unknown): error is Error & { key: string } {
  if (error instanceof StoreOptionsError) return true;
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === "STORE_OPTIONS" &&
    typeof (error as { key?: unknown }).key === "string"
  );
}

function isStoreErrorLike(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === "STORE_FAILED";
}

function stripPrefix(message: string, prefixes: readonly string[]): string {
  for (const prefix of prefixes) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}
