import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PartnerdError } from "../errors.ts";
import { STORE_API_VERSION, type StorePlugin } from "./contract.ts";

export class StorePluginError extends PartnerdError {
  constructor(storeId: string, use: string, problem: string, cause?: unknown) {
    super("STORE_PLUGIN", `stores.${storeId}.use: "${use}" ${problem}`, { exitCode: 2, cause });
  }
}

/**
 * Resolves `use:` — a built-in alias, a path (relative to the config file), or a package installed
 * where the config file can see it — and checks that its default export is a store plugin.
 */
export async function loadStorePlugin(
  storeId: string,
  use: string,
  configDir: string,
  builtins: Readonly<Record<string, StorePlugin>>,
): Promise<StorePlugin> {
  const builtin = builtins[use];
  if (builtin) return builtin;
  const specifier = resolveSpecifier(storeId, use, configDir);
  let module: { default?: unknown };
  try {
    module = (await import(specifier)) as { default?: unknown };
  } catch (error) {
    throw new StorePluginError(storeId, use, `could not be loaded: ${(error as Error).message}`, error);
  }
  return checkShape(storeId, use, module.default);
}

function resolveSpecifier(storeId: string, use: string, configDir: string): string {
  const isPath = use.startsWith(".") || isAbsolute(use);
  if (isPath) return pathToFileURL(resolve(configDir, use)).href;
  try {
    return pathToFileURL(createRequire(join(configDir, "partnerd.config")).resolve(use)).href;
  } catch {
    throw new StorePluginError(
      storeId,
      use,
      `is not a built-in store (${["file"].join(", ")}) and is not installed where ${configDir} can see it (npm install ${use})`,
    );
  }
}

function checkShape(storeId: string, use: string, plugin: unknown): StorePlugin {
  if (plugin === undefined)
    throw new StorePluginError(storeId, use, "has no default export (expected a store plugin)");
  const candidate = plugin as Partial<StorePlugin>;
  if (typeof candidate !== "object" || candidate === null || typeof candidate.create !== "function") {
    throw new StorePluginError(
      storeId,
      use,
      "default export is not a store plugin (expected { apiVersion, name, create })",
    );
  }
  if (candidate.apiVersion !== STORE_API_VERSION) {
    throw new StorePluginError(
      storeId,
      use,
      `implements store API version ${String(candidate.apiVersion)}; this partnerd supports version ${STORE_API_VERSION}`,
    );
  }
  return candidate as StorePlugin;
}
