import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { didYouMean } from "../config/did-you-mean.ts";
import type { ConfigIssue } from "../errors.ts";

/** Where a dotted config path sits in the config file (`PartnerdConfig.locate`). */
export type ConfigLocator = (path: string) => ConfigIssue;

/** Raises the located error of the plugin kind (`StorePluginError`, `HookPluginError`); never returns. */
export type PluginFail = (problem: string, cause?: unknown) => never;

/** What differs between store and hook plugins; everything else about loading them is shared. */
export interface PluginKind {
  /** "store" or "hook", in messages. */
  noun: string;
  apiVersion: number;
  /** The member every plugin of the kind has (`create`, `handlers`) and its type. */
  member: string;
  memberType: "function" | "object";
  /** A path a user could give instead, in the "not installed" advice. */
  examplePath: string;
}

/** Plugins `use:` can name without a package: the plugin, or a function that imports it on first use. */
export type Builtins<P> = Readonly<Record<string, P | (() => Promise<P>)>>;

/**
 * Resolves `use:` and checks that it gives a plugin of `kind`:
 *
 * - a built-in alias (`file`, …), taken from `builtins`;
 * - a path (`./stores/vault.js`, `/opt/…`, `file:` URL), relative to the config file's folder; a folder
 *   is read like a package (its `package.json` `exports`/`main`, else `index.js`);
 * - a package name (`partnerd-store-exec`, `@acme/store/sub`), resolved from the config file's folder
 *   the way `import` would resolve it from a module there (see `resolvePackage`).
 *
 * The module's default export is the plugin (a CommonJS `module.exports = plugin` arrives as the
 * default; a transpiled `exports.default = plugin` is unwrapped once more). Every problem goes to
 * `fail`, which throws the kind's located error.
 */
export async function loadPlugin<P>(
  kind: PluginKind,
  use: string,
  configDir: string,
  builtins: Builtins<P>,
  fail: PluginFail,
): Promise<P> {
  if (Object.hasOwn(builtins, use)) {
    const builtin = builtins[use]!;
    return typeof builtin === "function" ? await (builtin as () => Promise<P>)() : builtin;
  }
  const file = resolveUse(kind, use, configDir, Object.keys(builtins), fail);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    fail(`could not be loaded (${file}): ${importProblem(error)}`, error);
    throw error; // unreachable: `fail` throws
  }
  return checkShape(kind, module, fail) as P;
}

// --- Resolution ---

type Fail = PluginFail;

/** The absolute, real path of the file `use` names. */
function resolveUse(
  kind: PluginKind,
  use: string,
  configDir: string,
  builtinNames: readonly string[],
  fail: Fail,
): string {
  if (use.startsWith("file:")) {
    let path: string;
    try {
      path = fileURLToPath(use);
    } catch (error) {
      return fail(`is not a valid file: URL`, error);
    }
    return resolvePath(path, fail);
  }
  if (use.startsWith(".") || isAbsolute(use)) return resolvePath(resolve(configDir, use), fail);
  const builtinList = `built-ins: ${builtinNames.length > 0 ? builtinNames.join(", ") : "none"}`;
  const name = packageNameOf(use);
  if (name === undefined) {
    return fail(`is neither a built-in ${kind.noun} (${builtinList}), a path (./…, /…) nor a package name`);
  }
  const file = resolvePackage(name, use, configDir, fail) ?? resolveWithRequire(use, configDir);
  if (file !== undefined) return file;
  const suggestion = didYouMean(use, builtinNames);
  const advice = suggestion
    ? `did you mean "${suggestion}"?`
    : `run \`npm install ${name}\` in that folder, or give a path such as ${kind.examplePath}`;
  return fail(
    `is not a built-in ${kind.noun} (${builtinList}) and is not installed where ${configDir} can see it; ${advice}`,
  );
}

function resolvePath(path: string, fail: Fail): string {
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    return fail(`cannot be read (${path}: ${errnoCode(error)})`, error);
  }
  if (stats === undefined) return fail(`does not exist (looked for ${path})`);
  if (stats.isDirectory()) {
    const entry = packageEntry(path, ".", fail);
    if (entry === undefined)
      return fail(`is a folder without a package.json entry point or index.js (${path})`);
    return entry;
  }
  return realpathSync(path);
}

/**
 * Finds `name` in `node_modules` of `fromDir` and each folder above it, as Node's ESM resolver does,
 * and picks the file from its `package.json` `exports` (conditions `node`, `import`, `module-sync`,
 * `default`, in the package's order) or, without `exports`, `main`/`index.js`. Undefined when no
 * folder has the package. This replaces `import.meta.resolve(specifier, parent)`, whose `parent`
 * argument needs `--experimental-import-meta-resolve`, and `createRequire().resolve`, which uses the
 * `require` condition and so misses ESM-only packages.
 */
function resolvePackage(name: string, use: string, fromDir: string, fail: Fail): string | undefined {
  const subpath = `.${use.slice(name.length)}`;
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    if (!dir.endsWith(`${sep}node_modules`)) {
      const packageDir = join(dir, "node_modules", name);
      if (isDirectory(packageDir)) {
        const entry = packageEntry(packageDir, subpath, fail);
        if (entry === undefined) return fail(`is installed (${packageDir}) but its entry point is missing`);
        return entry;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Fallback for what the walk does not cover (NODE_PATH, ~/.node_modules): CommonJS resolution. */
function resolveWithRequire(use: string, fromDir: string): string | undefined {
  try {
    const resolved = createRequire(join(fromDir, "partnerd.config.js")).resolve(use);
    return isAbsolute(resolved) ? realpathSync(resolved) : undefined;
  } catch {
    return undefined;
  }
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; undefined when not a package specifier. */
function packageNameOf(use: string): string | undefined {
  const parts = use.split("/");
  const name = use.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const valid = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;
  if (name === undefined || !valid.test(name) || use.includes("\\") || use.includes("%")) return undefined;
  return name;
}

const CONDITIONS = new Set(["node", "import", "module-sync", "default"]);

/** The real path of the file a package folder gives for `subpath` (`.` or `./x`), undefined when none. */
function packageEntry(packageDir: string, subpath: string, fail: Fail): string | undefined {
  const manifestPath = join(packageDir, "package.json");
  let manifest: { exports?: unknown; main?: unknown } = {};
  if (existsSync(manifestPath)) {
    try {
      manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as typeof manifest;
    } catch (error) {
      return fail(`has an unreadable package.json (${manifestPath}): ${firstLine(error)}`, error);
    }
    if (typeof manifest !== "object" || manifest === null) {
      return fail(`has a package.json that is not a JSON object (${manifestPath})`);
    }
  }
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const target = exportsTarget(manifest.exports, subpath);
    if (target === undefined) {
      const what = subpath === "." ? "a main entry" : `"${subpath}"`;
      return fail(
        `does not export ${what} for import (package.json "exports" has no "node", "import" or "default" ` +
          `condition for it${hasRequireOnly(manifest.exports) ? '; it only has "require"' : ""}) (${manifestPath})`,
      );
    }
    const file = resolve(packageDir, target);
    if (!file.startsWith(packageDir + sep) || !isFile(file)) return undefined;
    return realpathSync(file);
  }
  if (subpath !== ".") {
    const file = join(packageDir, subpath);
    return isFile(file) ? realpathSync(file) : undefined;
  }
  const candidates: string[] = [];
  if (typeof manifest.main === "string" && manifest.main !== "") {
    const main = join(packageDir, manifest.main);
    candidates.push(main, `${main}.js`, join(main, "index.js"));
  }
  candidates.push(join(packageDir, "index.js"));
  const found = candidates.find(isFile);
  return found === undefined ? undefined : realpathSync(found);
}

/** Node's PACKAGE_EXPORTS_RESOLVE for the ESM conditions, reduced to what a plugin package needs. */
function exportsTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exports === "object" &&
    exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith("."));
  const map = (isSubpathMap ? exports : { ".": exports }) as Record<string, unknown>;
  if (Object.hasOwn(map, subpath) && !subpath.includes("*"))
    return conditionalTarget(map[subpath], undefined);
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star === -1 || key.indexOf("*", star + 1) !== -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length) {
      if (best === undefined || prefix.length > best.key.indexOf("*")) {
        best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
      }
    }
  }
  return best ? conditionalTarget(map[best.key], best.match) : undefined;
}

function conditionalTarget(target: unknown, pattern: string | undefined): string | undefined {
  if (typeof target === "string") {
    if (!target.startsWith("./")) return undefined;
    return pattern === undefined ? target : target.replaceAll("*", pattern);
  }
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = conditionalTarget(item, pattern);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target === "object" && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.has(condition)) continue;
      // `null` excludes the path for this condition; Node stops there.
      if (value === null) return undefined;
      const found = conditionalTarget(value, pattern);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function hasRequireOnly(exports: unknown): boolean {
  return JSON.stringify(exports).includes('"require"');
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

// --- Shape ---

function checkShape(kind: PluginKind, module: Record<string, unknown>, fail: Fail): unknown {
  const { noun, apiVersion: supported, member } = kind;
  const expected = `expected { apiVersion: ${supported}, name, ${member}${kind.memberType === "function" ? "(options, context)" : ""} }`;
  let plugin = module.default;
  if (plugin === undefined) {
    const named = Object.keys(module).filter((key) => key !== "default" && key !== "module.exports");
    const list = named.length > 0 ? `; it exports ${named.slice(0, 6).join(", ")}` : "";
    return fail(`has no default export (${expected}${list})`);
  }
  // A transpiled CommonJS module (`exports.default = plugin`) arrives as `{ default: { default: plugin } }`.
  if (isObject(plugin) && !(member in plugin) && isObject(plugin.default)) plugin = plugin.default;
  if (!isObject(plugin)) {
    return fail(`default export is ${describe(plugin)}, not a ${noun} plugin (${expected})`);
  }
  const { apiVersion } = plugin;
  if (typeof apiVersion === "number" && apiVersion !== supported) {
    const advice =
      apiVersion > supported ? "upgrade partnerd" : "upgrade the plugin or pin a partnerd it supports";
    return fail(
      `implements ${noun} API version ${apiVersion}; this partnerd supports version ${supported} (${advice})`,
    );
  }
  const memberValue = plugin[member];
  if (kind.memberType === "function" ? typeof memberValue !== "function" : !isPlainObject(memberValue)) {
    const what = kind.memberType === "function" ? `${member}() function` : `${member} object`;
    return fail(`default export is not a ${noun} plugin: it has no ${what} (${expected})`);
  }
  if (apiVersion === undefined) {
    return fail(
      `does not declare apiVersion; this partnerd supports ${noun} API version ${supported} ` +
        `(add apiVersion: ${supported} if the plugin implements it)`,
    );
  }
  if (apiVersion !== supported) {
    return fail(
      `has apiVersion ${describe(apiVersion)}; this partnerd supports ${noun} API version ${supported}`,
    );
  }
  if (plugin.name !== undefined && typeof plugin.name !== "string") {
    return fail(`default export has a name that is not a string (${expected})`);
  }
  return plugin;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `a string`;
  if (typeof value === "object" || typeof value === "function") return `a ${typeof value}`;
  return `${typeof value} ${String(value)}`;
}

// --- Messages ---

function importProblem(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING") {
    return "it ships TypeScript, and Node does not strip types under node_modules; the plugin must ship JavaScript";
  }
  if (code === "ERR_UNKNOWN_FILE_EXTENSION") return `${firstLine(error)} (a plugin must be JavaScript)`;
  return firstLine(error);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.split("\n")[0]?.trim() ?? message;
}

function errnoCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : firstLine(error);
}
