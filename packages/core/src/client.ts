// A light entry point (`@partnerd/core/client`) for clients of the daemon: finds the state folder and
// the daemon's socket without loading msal-node, zod or the stores, so a cached `partnerd token` starts fast.
import { dirname } from "node:path";
import { parse } from "yaml";
import { type FindConfigOptions, findConfigFile } from "./config/find.ts";
import { resolveStateDir } from "./config/state-dir.ts";

export { PartnerdError, UsageError } from "./errors.ts";
export { MODULE_PRESETS, type ModuleName } from "./identity/modules.ts";
export { daemonSocketPath } from "./state-paths.ts";

/**
 * The state folder the config names (or the default), read without validating the rest of the file;
 * `undefined` when the file cannot be found or read as YAML: the full load then reports why.
 */
export async function stateDirOf(options: FindConfigOptions, env = process.env): Promise<string | undefined> {
  try {
    const { file, text } = await findConfigFile(options);
    const document = parse(text) as { stateDir?: unknown } | null;
    const configured =
      typeof document?.stateDir === "string" && document.stateDir !== "" ? document.stateDir : undefined;
    return resolveStateDir(configured, dirname(file), env);
  } catch {
    return undefined;
  }
}
