import { resolveSecretRef } from "../config/resolve-secrets.ts";
import { SecretRefSchema } from "../config/secret-ref.ts";
import type { PartnerdConfig } from "../config/types.ts";
import { ConfigError, type ConfigIssue, PartnerdError, StoreError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import type { SecretStore, StorePlugin } from "./contract.ts";
import { loadStorePlugin } from "./load-plugin.ts";

/** The opened stores of one runtime, by their id under `stores:`. */
export class StoreRegistry {
  readonly #stores: Map<string, SecretStore>;

  private constructor(stores: Map<string, SecretStore>) {
    this.#stores = stores;
  }

  /** Opens every store the config declares; closes the ones already open if one fails. */
  static async open(
    config: PartnerdConfig,
    builtins: Readonly<Record<string, StorePlugin>>,
    logger: Logger,
  ): Promise<StoreRegistry> {
    const opened = new Map<string, SecretStore>();
    try {
      for (const [storeId, storeConfig] of Object.entries(config.stores)) {
        const plugin = await loadStorePlugin(storeId, storeConfig.use, config.dir, builtins);
        const store = await plugin.create(storeConfig.options, {
          storeId,
          configDir: config.dir,
          stateDir: config.stateDir,
          logger: logger.child({ store: storeId }),
          resolveSecret: (reference, optionPath) =>
            resolveStoreOptionSecret(config, storeId, reference, optionPath),
        });
        opened.set(storeId, store);
      }
    } catch (error) {
      await new StoreRegistry(opened).close();
      throw error;
    }
    return new StoreRegistry(opened);
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
      await store.close?.().catch(() => undefined);
    }
    this.#stores.clear();
  }
}

export function asStoreError(storeId: string, name: string, what: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError(storeId, name, `${what}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

/** Resolves `{ env }` / `{ file }` inside a store's options; store references would make stores depend on each other. */
async function resolveStoreOptionSecret(
  config: PartnerdConfig,
  storeId: string,
  reference: unknown,
  optionPath: string,
): Promise<Secret> {
  const path = ["stores", storeId, "options", ...optionPath.split(".")];
  const fail = (message: string): never => {
    throw new ConfigError([{ ...config.locate(path.join(".")), message }]);
  };
  const parsed = SecretRefSchema.safeParse(reference);
  if (!parsed.success || "store" in parsed.data) fail("expected { env: NAME } or { file: PATH }");
  const issues: ConfigIssue[] = [];
  const source = await resolveSecretRef(SecretRefSchema.parse(reference), path, {
    dir: config.dir,
    env: process.env,
    error: (at, message) => issues.push({ ...config.locate(at.join(".")), message }),
  });
  if (issues.length > 0) throw new ConfigError(issues);
  if (source?.kind !== "value") return fail("expected { env: NAME } or { file: PATH }");
  return source.secret;
}
