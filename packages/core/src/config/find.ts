import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { decodeConfigText } from "./decode.ts";

/** Where `partnerd` looks for its config, in each folder from the working folder up. Data files only. */
export const CONFIG_SEARCH_PLACES = [
  "partnerd.yaml",
  "partnerd.yml",
  ".partnerdrc",
  ".partnerdrc.yaml",
  ".partnerdrc.yml",
  ".partnerdrc.json",
  "partnerd.config.json",
  ".config/partnerdrc.yaml",
  ".config/partnerdrc.json",
] as const;

/** Read when the search finds nothing: where a system service keeps its config. */
export const SYSTEM_CONFIG_PATH = "/etc/partnerd/partnerd.yaml";

export interface FindConfigOptions {
  /** An explicit file (`-c PATH`); relative to `cwd`. No search happens. */
  configPath?: string;
  /** Where the search starts; defaults to `process.cwd()`. */
  cwd?: string;
  /** The last resort after the search; defaults to {@link SYSTEM_CONFIG_PATH}. */
  systemConfigPath?: string;
}

export interface FoundConfig {
  /** Absolute path. */
  file: string;
  text: string;
}

// cosmiconfig's public `cosmiconfig()` first looks for a "meta config" in process.cwd()
// (`.config/config.{js,ts,mjs,cjs}` among them) and imports it with its default loaders, running that
// code. A secrets daemon must never run config code, so the Explorer is built directly, which has no
// meta-config step, and every loader here only returns text.
interface SearchDir {
  path: string;
  isGlobalConfig: boolean;
}
interface Explorer {
  search(from: string): Promise<{ filepath: string; config?: unknown; isEmpty?: boolean } | null>;
  getGlobalDirs(startDir: string): Iterable<SearchDir>;
}
type ExplorerClass = new (options: Record<string, unknown>) => Explorer;

const requireFromHere = createRequire(import.meta.url);

function createExplorer(): Explorer {
  const { Explorer } = requireFromHere("cosmiconfig/dist/Explorer.js") as { Explorer?: ExplorerClass };
  if (typeof Explorer !== "function") throw new Error("cosmiconfig's Explorer is missing; check its version");
  const asText = (_filepath: string, content: string): string => content;
  const explorer = new Explorer({
    moduleName: "partnerd",
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    loaders: { ".yaml": asText, ".yml": asText, ".json": asText, noExt: asText },
    ignoreEmptySearchPlaces: false,
    cache: false,
    transform: (result: unknown) => result,
    metaConfigFilePath: null,
    mergeImportArrays: false,
    mergeSearchPlaces: false,
    // "global" walks from the start folder up to the home folder (or the root); its last stop, the
    // per-user config folder with `config.js` among its names, is dropped below.
    searchStrategy: "global",
  });
  const globalDirs = explorer.getGlobalDirs;
  if (typeof globalDirs !== "function")
    throw new Error("cosmiconfig's Explorer changed shape; check its version");
  explorer.getGlobalDirs = function* (startDir: string) {
    for (const dir of globalDirs.call(this, startDir)) if (!dir.isGlobalConfig) yield dir;
  };
  return explorer;
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Why a file could not be read, in words, from a Node error code. */
export function describeReadError(error: unknown): string {
  switch (errnoCode(error)) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a folder";
    case "ENOTDIR":
      return "a parent is not a folder";
    default:
      return errnoCode(error) ?? (error instanceof Error ? error.message : String(error));
  }
}

/**
 * The search treats a config file it cannot read as absent and would go on to a parent folder's,
 * silently running with other profiles and stores. Walk the same folders first and refuse that.
 */
async function refuseUnreadableCandidates(explorer: Explorer, cwd: string): Promise<void> {
  for (const { path: dir } of explorer.getGlobalDirs(cwd)) {
    for (const place of CONFIG_SEARCH_PLACES) {
      const file = join(dir, place);
      try {
        await access(file, constants.R_OK);
        return; // the nearest readable candidate: the search finds this one (or skips a folder of that name)
      } catch (error) {
        const code = errnoCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") continue;
        throw new ConfigError([
          { file, path: "", message: `cannot read config file (${describeReadError(error)})` },
        ]);
      }
    }
  }
}

async function readConfigFile(file: string): Promise<FoundConfig> {
  try {
    return { file, text: decodeConfigText(file, await readFile(file)) };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason =
      errnoCode(error) === "ENOENT"
        ? "config file not found"
        : `cannot read config file (${describeReadError(error)})`;
    throw new ConfigError([{ file, path: "", message: reason }]);
  }
}

/**
 * Finds and reads the config file: `configPath` when given, else the nearest of
 * {@link CONFIG_SEARCH_PLACES} from `cwd` upwards, else {@link SYSTEM_CONFIG_PATH}.
 * Throws `ConfigError` when there is none.
 */
export async function findConfigFile(options: FindConfigOptions = {}): Promise<FoundConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.configPath !== undefined) return readConfigFile(resolve(cwd, options.configPath));

  const explorer = createExplorer();
  await refuseUnreadableCandidates(explorer, cwd);
  let found: Awaited<ReturnType<Explorer["search"]>>;
  try {
    found = await explorer.search(cwd);
  } catch (error) {
    throw new ConfigError([
      { file: cwd, path: "", message: `cannot search for a config file (${describeReadError(error)})` },
    ]);
  }
  if (found) {
    return { file: found.filepath, text: decodeConfigText(found.filepath, await readFile(found.filepath)) };
  }

  const systemPath = options.systemConfigPath ?? SYSTEM_CONFIG_PATH;
  try {
    return { file: systemPath, text: decodeConfigText(systemPath, await readFile(systemPath)) };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = errnoCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR") {
      throw new ConfigError([
        { file: systemPath, path: "", message: `cannot read config file (${describeReadError(error)})` },
      ]);
    }
  }
  throw new ConfigError([
    {
      file: cwd,
      path: "",
      message:
        `no config file found: looked for ${CONFIG_SEARCH_PLACES.join(", ")} in ${cwd} and the folders above it, ` +
        `then ${systemPath}. Create one, or name it with -c PATH`,
    },
  ]);
}
