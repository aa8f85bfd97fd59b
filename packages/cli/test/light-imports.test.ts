/**
 * `validate`, `status` and store/hook plugins load through light entries of core: msal-node, undici and
 * the cloud SDKs stay unloaded unless a command needs them (they cost most of a cold start).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const HEAVY =
  /@azure\/msal-node|@azure\+msal|undici|@aws-sdk|@azure\/keyvault|@azure\+keyvault|@azure\/identity/;

/** Every module URL a fresh Node process loads while importing `specifiers`. */
async function modulesLoadedBy(specifiers: string[]): Promise<string[]> {
  const script = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    for (const specifier of ${JSON.stringify(specifiers)}) await import(specifier);
    process.stdout.write(JSON.stringify(seen));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    cwd: new URL("..", import.meta.url).pathname,
  });
  return JSON.parse(stdout) as string[];
}

describe("light entry points", () => {
  it("load no identity stack or cloud SDK for validate, status and the file store", async () => {
    const loaded = await modulesLoadedBy([
      "./src/commands/validate.ts",
      "./src/commands/status.ts",
      "@partnerd/store-file",
      "@partnerd/hooks-builtin/webhook",
    ]);
    expect(loaded.some((url) => url.includes("/commands/validate.ts"))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it("load neither the yaml library (plain configs are read by js-yaml) nor, for status, the plugin loaders", async () => {
    const loaded = await modulesLoadedBy(["./src/commands/validate.ts", "./src/commands/status.ts"]);
    expect(loaded.filter((url) => /\/yaml@|\/node_modules\/yaml\//.test(url))).toEqual([]);
    const status = await modulesLoadedBy(["./src/commands/status.ts"]);
    expect(status.filter((url) => /\/(plugins|stores|hooks)\/load-/.test(url))).toEqual([]);
  });

  it("load zod as one bundled module holding zod/mini's functions only, and validate without the status report", async () => {
    const loaded = await modulesLoadedBy(["./src/commands/validate.ts", "./src/commands/status.ts"]);
    expect(loaded.filter((url) => /\/zod@|\/node_modules\/zod\//.test(url))).toEqual([]);
    const bundles = loaded.filter((url) => url.endsWith("/core/vendor/zod.js"));
    expect(bundles).toHaveLength(1);
    // zod's classes are named in the bundle: the mini ones, and none of the method-chaining API's.
    const bundle = await readFile(new URL(bundles[0]!), "utf8");
    expect(bundle).toContain('"ZodMiniObject"');
    expect(bundle).not.toMatch(/"Zod(Object|String|Type)"/);
    const validate = await modulesLoadedBy(["./src/commands/validate.ts"]);
    expect(validate.filter((url) => /\/engine\/profile-report|\/status-snapshot/.test(url))).toEqual([]);
  });

  it("still load msal-node where a command redeems tokens", async () => {
    const loaded = await modulesLoadedBy(["./src/commands/refresh.ts"]);
    expect(loaded.some((url) => HEAVY.test(url))).toBe(true);
  });
});
