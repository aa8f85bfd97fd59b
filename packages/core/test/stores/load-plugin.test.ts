import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StorePlugin } from "../../src/stores/contract.ts";
import { loadStorePlugin, StorePluginError } from "../../src/stores/load-plugin.ts";
import { commonJsPluginModule, configWithStores, pluginModule, rejection, testdir } from "./helpers.ts";

const builtinFile: StorePlugin = {
  apiVersion: 1,
  name: "file",
  create: () => ({
    capabilities: { versions: false, tags: false, softDelete: false },
    get: async () => null,
    put: async () => ({ version: "1" }),
  }),
};
const builtins = { file: builtinFile };

/** Loads `use` for store `vault`, declared in a real config file in `dir` (so errors are located). */
async function load(dir: string, use: string): Promise<StorePlugin> {
  const config = await configWithStores(dir, ["vault:", `  use: ${JSON.stringify(use)}`]);
  return loadStorePlugin("vault", use, config.dir, builtins, config.locate);
}

/** What `create` returned, to tell which module was loaded. */
async function loadedAs(plugin: StorePlugin): Promise<unknown> {
  const store = (await plugin.create({}, {} as never)) as unknown as { loadedAs?: unknown };
  return store.loadedAs;
}

async function loadError(dir: string, use: string): Promise<StorePluginError> {
  const error = await rejection(load(dir, use));
  expect(error).toBeInstanceOf(StorePluginError);
  expect(error.exitCode).toBe(2);
  // One line, located at `use:` (line 4 of the generated file, the value's column).
  expect(error.message).not.toContain("\n");
  expect(error.message.startsWith(`${join(dir, "partnerd.yaml")}:4:10 stores.vault.use: "${use}" `)).toBe(
    true,
  );
  return error as StorePluginError;
}

describe("loadStorePlugin: what use: can name", () => {
  it("returns a built-in alias without touching the file system", async () => {
    expect(await loadStorePlugin("local", "file", "/nonexistent", builtins)).toBe(builtinFile);
  });

  it("loads a path relative to the config file's folder", async () => {
    const dir = await testdir({ "stores/mine.mjs": pluginModule("relative") });
    expect(await loadedAs(await load(dir, "./stores/mine.mjs"))).toBe("relative");
  });

  it("loads an absolute path and a file: URL", async () => {
    const dir = await testdir({ "abs.mjs": pluginModule("absolute") });
    expect(await loadedAs(await load(dir, join(dir, "abs.mjs")))).toBe("absolute");
    expect(await loadedAs(await load(dir, `file://${join(dir, "abs.mjs")}`))).toBe("absolute");
  });

  it("loads a folder through its package.json", async () => {
    const dir = await testdir({
      "vendor/store/package.json": JSON.stringify({ type: "module", exports: { ".": "./src/index.js" } }),
      "vendor/store/src/index.js": pluginModule("folder"),
    });
    expect(await loadedAs(await load(dir, "./vendor/store"))).toBe("folder");
  });

  it("loads an ESM-only package (exports with only an import condition) from the config's node_modules", async () => {
    const dir = await testdir({
      "node_modules/esm-store/package.json": JSON.stringify({
        name: "esm-store",
        type: "module",
        exports: { ".": { types: "./index.d.ts", import: "./lib/index.js" } },
      }),
      "node_modules/esm-store/lib/index.js": pluginModule("esm-only"),
    });
    // What the loader must not rely on: CommonJS resolution cannot see this package.
    expect(() => createRequire(join(dir, "x.js")).resolve("esm-store")).toThrow();
    expect(await loadedAs(await load(dir, "esm-store"))).toBe("esm-only");
  });

  it("loads a CommonJS package (module.exports = plugin) as its default export", async () => {
    const dir = await testdir({
      "node_modules/cjs-store/package.json": JSON.stringify({ name: "cjs-store", main: "main.js" }),
      "node_modules/cjs-store/main.js": commonJsPluginModule("cjs"),
    });
    expect(await loadedAs(await load(dir, "cjs-store"))).toBe("cjs");
  });

  it("unwraps a transpiled CommonJS default (exports.default = plugin)", async () => {
    const dir = await testdir({
      "node_modules/ts-cjs-store/package.json": JSON.stringify({ name: "ts-cjs-store" }),
      "node_modules/ts-cjs-store/index.js": commonJsPluginModule("transpiled").replace(
        "module.exports =",
        'Object.defineProperty(exports, "__esModule", { value: true });\nexports.default =',
      ),
    });
    expect(await loadedAs(await load(dir, "ts-cjs-store"))).toBe("transpiled");
  });

  it("resolves a scoped package's subpath export from a node_modules folder above the config", async () => {
    const root = await testdir({
      "node_modules/@acme/stores/package.json": JSON.stringify({
        name: "@acme/stores",
        type: "module",
        exports: { "./*": { node: { import: "./dist/*.js" } }, "./package.json": "./package.json" },
      }),
      "node_modules/@acme/stores/dist/vault.js": pluginModule("scoped-subpath"),
    });
    const dir = join(root, "etc", "partnerd");
    await mkdir(dir, { recursive: true });
    expect(await loadedAs(await load(dir, "@acme/stores/vault"))).toBe("scoped-subpath");
  });
});

describe("loadStorePlugin: every way use: can go wrong is one located line, exit code 2", () => {
  it("a package that is not installed", async () => {
    const dir = await testdir();
    const error = await loadError(dir, "partnerd-store-nowhere");
    expect(error.message).toContain(
      `is not a built-in store (built-ins: file) and is not installed where ${dir}`,
    );
    expect(error.message).toContain("npm install partnerd-store-nowhere");
  });

  it("a typo of a built-in suggests it", async () => {
    const error = await loadError(await testdir(), "fiel");
    expect(error.message).toContain('did you mean "file"?');
  });

  it("something that is neither a name nor a path", async () => {
    const error = await loadError(await testdir(), "my store");
    expect(error.message).toContain("is neither a built-in store (built-ins: file), a path");
  });

  it("a path that does not exist", async () => {
    const dir = await testdir();
    const error = await loadError(dir, "./stores/missing.js");
    expect(error.message).toContain(`does not exist (looked for ${join(dir, "stores", "missing.js")})`);
  });

  it("a package whose exports only has a require condition", async () => {
    const dir = await testdir({
      "node_modules/cjs-only/package.json": JSON.stringify({
        name: "cjs-only",
        exports: { require: "./i.cjs" },
      }),
      "node_modules/cjs-only/i.cjs": commonJsPluginModule("x"),
    });
    const error = await loadError(dir, "cjs-only");
    expect(error.message).toContain("does not export a main entry for import");
    expect(error.message).toContain('it only has "require"');
  });

  it("a package whose entry file is missing", async () => {
    const dir = await testdir({
      "node_modules/hollow/package.json": JSON.stringify({ name: "hollow", exports: "./gone.js" }),
    });
    expect((await loadError(dir, "hollow")).message).toContain("is installed");
  });

  it("a module that throws while it is imported", async () => {
    const dir = await testdir({ "broken.mjs": 'throw new Error("boom at import");\n' });
    const error = await loadError(dir, "./broken.mjs");
    expect(error.message).toContain("could not be loaded");
    expect(error.message).toContain("Error: boom at import");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("no default export, naming what it does export", async () => {
    const dir = await testdir({ "named.mjs": "export const plugin = {};\nexport function create() {}\n" });
    const error = await loadError(dir, "./named.mjs");
    expect(error.message).toContain("has no default export");
    expect(error.message).toContain("it exports plugin, create");
  });

  it("a default export that is not a plugin object", async () => {
    const dir = await testdir({
      "string.mjs": 'export default "file";\n',
      "nocreate.mjs": "export default { apiVersion: 1, name: 'x', open() {} };\n",
    });
    expect((await loadError(dir, "./string.mjs")).message).toContain(
      "default export is a string, not a store plugin",
    );
    expect((await loadError(dir, "./nocreate.mjs")).message).toContain("it has no create() function");
  });

  it("another store API version names both versions", async () => {
    const dir = await testdir({
      "v2.mjs": pluginModule("v2").replace("apiVersion: 1", "apiVersion: 2"),
      "v0.mjs": pluginModule("v0").replace("apiVersion: 1", "apiVersion: 0"),
    });
    const newer = await loadError(dir, "./v2.mjs");
    expect(newer.message).toContain(
      "implements store API version 2; this partnerd supports version 1 (upgrade partnerd)",
    );
    expect((await loadError(dir, "./v0.mjs")).message).toContain("implements store API version 0");
  });

  it("a missing or non-numeric apiVersion", async () => {
    const dir = await testdir({
      "none.mjs": pluginModule("none").replace("apiVersion: 1,", ""),
      "text.mjs": pluginModule("text").replace("apiVersion: 1", 'apiVersion: "1"'),
    });
    expect((await loadError(dir, "./none.mjs")).message).toContain(
      "does not declare apiVersion; this partnerd supports store API version 1",
    );
    expect((await loadError(dir, "./text.mjs")).message).toContain("has apiVersion a string");
  });

  it("without a locator the message still names stores.<id>.use", async () => {
    const error = await rejection(loadStorePlugin("vault", "./nope.js", "/nonexistent", builtins));
    expect(error.message).toBe(
      'stores.vault.use: "./nope.js" does not exist (looked for /nonexistent/nope.js)',
    );
  });
});

describe("loadStorePlugin under plain Node (vitest's module runner transforms what Node refuses)", () => {
  it("loads ESM-only and CommonJS packages, and explains a package that ships TypeScript", async () => {
    const dir = await testdir({
      "node_modules/esm-store/package.json": JSON.stringify({
        type: "module",
        exports: { import: "./i.js" },
      }),
      "node_modules/esm-store/i.js": pluginModule("esm-only"),
      "node_modules/cjs-store/package.json": JSON.stringify({ main: "main.js" }),
      "node_modules/cjs-store/main.js": commonJsPluginModule("cjs"),
      "node_modules/ts-store/package.json": JSON.stringify({ type: "module", exports: "./index.ts" }),
      "node_modules/ts-store/index.ts": "const plugin: object = { apiVersion: 1 };\nexport default plugin;\n",
    });
    const loader = new URL("../../src/stores/load-plugin.ts", import.meta.url).href;
    const script = `
      const { loadStorePlugin } = await import(${JSON.stringify(loader)});
      const out = [];
      for (const use of ["esm-store", "cjs-store", "ts-store"]) {
        try {
          const plugin = await loadStorePlugin("s", use, ${JSON.stringify(dir)}, {});
          out.push((await plugin.create({}, {})).loadedAs);
        } catch (error) {
          out.push(error.message);
        }
      }
      console.log(JSON.stringify(out));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--input-type=module", "-e", script], (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    const [esm, cjs, ts] = JSON.parse(stdout) as string[];
    expect(esm).toBe("esm-only");
    expect(cjs).toBe("cjs");
    expect(ts).toContain('stores.s.use: "ts-store" could not be loaded');
    expect(ts).toContain("Node does not strip types under node_modules; the plugin must ship JavaScript");
  });
});
