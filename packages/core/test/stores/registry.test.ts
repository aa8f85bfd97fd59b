import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, StoreError, StoreOptionsError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { SecretStore, StorePlugin } from "../../src/stores/contract.ts";
import { StorePluginError } from "../../src/stores/load-plugin.ts";
import { asStoreError, StoreOpenError, StoreRegistry } from "../../src/stores/registry.ts";
import { configWithStores, pluginModule, rejection, testdir } from "./helpers.ts";

const CAPABILITIES = { versions: false, tags: false, softDelete: false };

/** Stands in for the embedded `default` store every config has (`use: file`). */
const file: StorePlugin = {
  apiVersion: 1,
  name: "file",
  create: () => ({ capabilities: CAPABILITIES, get: async () => null, put: async () => ({ version: "1" }) }),
};

/** A built-in that records `close` calls and builds a store that works. */
function recorder(closed: string[]): StorePlugin {
  return {
    apiVersion: 1,
    name: "recorder",
    create: (_options, context) => ({
      capabilities: CAPABILITIES,
      get: async () => null,
      put: async () => ({ version: "1" }),
      close: async () => {
        closed.push(context.storeId);
      },
    }),
  };
}

/** A built-in whose `create` throws `error`. */
function throwing(error: unknown): StorePlugin {
  return {
    apiVersion: 1,
    name: "throwing",
    create: () => {
      throw error;
    },
  };
}

async function openError(
  storeLines: string[],
  builtins: Record<string, StorePlugin>,
  files: Record<string, string> = {},
): Promise<{ error: Error & { exitCode?: number }; file: string }> {
  const dir = await testdir(files);
  const config = await configWithStores(dir, storeLines);
  const error = await rejection(StoreRegistry.open(config, { file, ...builtins }, silentLogger));
  expect(error.exitCode).toBe(2);
  expect(error.message).not.toContain("\n");
  return { error, file: join(dir, "partnerd.yaml") };
}

describe("StoreRegistry.open", () => {
  it("opens stores by built-in alias, relative path and package name", async () => {
    const dir = await testdir({
      "stores/local.mjs": pluginModule("by-path"),
      "node_modules/partnerd-store-pkg/package.json": JSON.stringify({
        type: "module",
        exports: { import: "./i.js" },
      }),
      "node_modules/partnerd-store-pkg/i.js": pluginModule("by-name"),
    });
    const closed: string[] = [];
    const config = await configWithStores(dir, [
      "a: { use: recorder }",
      "b: { use: ./stores/local.mjs, options: { x: 1 } }",
      "c: { use: partnerd-store-pkg }",
    ]);
    const registry = await StoreRegistry.open(config, { file, recorder: recorder(closed) }, silentLogger);
    const loadedAs = (id: string) => (registry.get(id) as SecretStore & { loadedAs?: string }).loadedAs;
    expect([loadedAs("b"), loadedAs("c")]).toEqual(["by-path", "by-name"]);
    expect((registry.get("b") as SecretStore & { options?: unknown }).options).toEqual({ x: 1 });
    await registry.get("c").put("pc", "v", {} as never);
    expect(await registry.read("c", "pc")).toEqual({ value: "v", version: "1" });
    await registry.close();
    expect(closed).toEqual(["a"]);
  });

  it("closes the stores already opened, newest first, when a later one fails", async () => {
    const closed: string[] = [];
    const { error } = await openError(
      ["first: { use: recorder }", "second: { use: recorder }", "third: { use: ./missing.mjs }"],
      { recorder: recorder(closed) },
    );
    expect(error).toBeInstanceOf(StorePluginError);
    expect(closed).toEqual(["second", "first"]);
  });

  it("closes the opened stores when a later create throws, and a close that fails does not stop the others", async () => {
    const closed: string[] = [];
    const failingClose: StorePlugin = {
      ...recorder(closed),
      create: () => ({
        ...(recorder(closed).create({}, { storeId: "x" } as never) as SecretStore),
        close: () => Promise.reject(new Error("close failed")),
      }),
    };
    const { error } = await openError(
      ["first: { use: recorder }", "second: { use: failingClose }", "third: { use: throwing }"],
      { recorder: recorder(closed), failingClose, throwing: throwing(new Error("vault unreachable")) },
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(closed).toEqual(["first"]);
  });

  it("reports a StoreOptionsError at the option's key: stores.<id>.options.<key>", async () => {
    const { error, file } = await openError(["vault:", "  use: strict", "  options:", "    address: 42"], {
      strict: throwing(new StoreOptionsError("address", "expected a URL")),
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`${file}:6:16 stores.vault.options.address: expected a URL`);
  });

  it("reports a missing option at options:, or at the store when there is no options block", async () => {
    const missing = throwing(new StoreOptionsError("dir", "is required (the folder holding the secrets)"));
    const atOptions = await openError(["vault:", "  use: strict", "  options:", "    other: 1"], {
      strict: missing,
    });
    expect(atOptions.error.message).toBe(
      `${atOptions.file}:5:5 stores.vault.options.dir: is required (the folder holding the secrets)`,
    );
    const atStore = await openError(["vault:", "  use: strict"], { strict: missing });
    expect(atStore.error.message).toBe(
      `${atStore.file}:3:3 stores.vault.options.dir: is required (the folder holding the secrets)`,
    );
  });

  it("does not repeat a prefix the plugin already wrote, and accepts a StoreOptionsError by shape", async () => {
    const fileStyle = await openError(["vault: { use: strict, options: { dir: '' } }"], {
      strict: throwing(
        new StoreOptionsError("dir", 'store "vault" option "dir": must be a non-empty string'),
      ),
    });
    expect(fileStyle.error.message).toMatch(
      /:3:\d+ stores\.vault\.options\.dir: must be a non-empty string$/,
    );

    // A plugin without @partnerd/core (or with its own copy) throws an error of the same shape.
    const foreign = Object.assign(new Error("stores.vault.options.command: must be a list of strings"), {
      name: "StoreOptionsError",
      code: "STORE_OPTIONS",
      key: "command",
    });
    const byShape = await openError(["vault: { use: strict, options: { command: x } }"], {
      strict: throwing(foreign),
    });
    expect(byShape.error).toBeInstanceOf(ConfigError);
    expect(byShape.error.message).toMatch(
      /:3:\d+ stores\.vault\.options\.command: must be a list of strings$/,
    );
  });

  it("reports any other create failure as stores.<id>: could not open the store", async () => {
    const { error, file } = await openError(["vault:", "  use: flaky"], {
      flaky: throwing(new TypeError("fetch failed\n    at somewhere")),
    });
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error.message).toBe(`${file}:3:3 stores.vault: could not open the store: fetch failed`);
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it("passes a located ConfigError from context.resolveSecret through", async () => {
    const needsSecret: StorePlugin = {
      apiVersion: 1,
      name: "needs-secret",
      create: async (options, context) => {
        await context.resolveSecret(options.clientSecret, "clientSecret");
        throw new Error("unreachable");
      },
    };
    const { error, file } = await openError(
      [
        "vault:",
        "  use: needs-secret",
        "  options:",
        "    clientSecret: { env: PARTNERD_TEST_UNSET_VARIABLE }",
      ],
      { "needs-secret": needsSecret },
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.startsWith(`${file}:6:`)).toBe(true);
    expect(error.message).toContain("PARTNERD_TEST_UNSET_VARIABLE");
  });

  it("refuses a create() that does not return a store", async () => {
    const closed: string[] = [];
    const halfStore: StorePlugin = {
      apiVersion: 1,
      name: "half",
      create: () => ({ get: async () => null, close: async () => void closed.push("half") }) as never,
    };
    const { error } = await openError(["vault:", "  use: half"], { half: halfStore });
    expect(error).toBeInstanceOf(StorePluginError);
    expect(error.message).toContain(
      'stores.vault.use: "half" create() has no put(), has no capabilities object',
    );
    expect(closed).toEqual(["half"]);
  });
});

describe("StoreRegistry.check", () => {
  /** Built-ins whose `file` records each load and each options check, refusing any option but `dir`. */
  function recordingFile(loads: string[]) {
    const checking: StorePlugin = {
      ...file,
      checkOptions: (options, context) => {
        loads.push(`check ${context.storeId}`);
        const extra = Object.keys(options).filter((key) => key !== "dir");
        if (extra.length > 0) throw new StoreOptionsError(extra[0]!, "unknown option");
      },
    };
    return {
      file: async () => {
        loads.push("load");
        return checking;
      },
    };
  }

  it("leaves the embedded default store out without loading its plugin, and checks a default the file names", async () => {
    const dir = await testdir();
    const loads: string[] = [];
    const embedded = await configWithStores(dir, ["vault: { use: file, options: { dir: ./vault } }"]);
    const plugins = await StoreRegistry.check(embedded, recordingFile(loads), silentLogger);
    expect(loads).toEqual(["load", "check vault"]);
    expect([...plugins.keys()]).toEqual(["vault"]);

    loads.length = 0;
    const named = await configWithStores(dir, ["default: { use: file, options: { dir: ./mine } }"]);
    await StoreRegistry.check(named, recordingFile(loads), silentLogger);
    expect(loads).toEqual(["load", "check default"]);

    // Even one written exactly as the embedded one would be; a wrong option there is reported.
    loads.length = 0;
    const wrong = await configWithStores(dir, [
      "default: { use: file, options: { dir: ./state/secrets, x: 1 } }",
    ]);
    const error = await rejection(StoreRegistry.check(wrong, recordingFile(loads), silentLogger));
    expect(loads).toEqual(["load", "check default"]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toContain("stores.default.options.x");
  });
});

describe("asStoreError", () => {
  it("keeps a StoreError and wraps anything else with what failed", () => {
    const own = new StoreError("vault", "pc", "denied");
    expect(asStoreError("vault", "pc", "read failed", own)).toBe(own);
    expect(asStoreError("vault", "pc", "read failed", new Error("EACCES")).message).toBe(
      'store "vault" secret "pc": read failed: EACCES',
    );
  });

  it("recognises a plugin's own StoreError by shape without doubling its prefix", () => {
    const foreign = Object.assign(new Error('store "vault" secret "pc": "pass" get exited with code 1'), {
      name: "StoreError",
      code: "STORE_FAILED",
    });
    const error = asStoreError("vault", "pc", "read failed", foreign);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe('store "vault" secret "pc": "pass" get exited with code 1');
    expect(error.cause).toBe(foreign);
  });
});
