import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onTestFinished } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { PartnerdConfig } from "../../src/config/types.ts";

/** A temporary folder holding `files` (path → content), removed when the test ends. */
export async function testdir(files: Record<string, string> = {}): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "partnerd-stores-")));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await addFiles(dir, files);
  return dir;
}

export async function addFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A config file `partnerd.yaml` in `dir` with the given `stores:` block (YAML lines, indented 2). */
export async function configWithStores(dir: string, storeLines: readonly string[]): Promise<PartnerdConfig> {
  const text = [
    `stateDir: ./state`,
    "stores:",
    ...storeLines.map((line) => `  ${line}`),
    "profiles:",
    "  pc:",
    "    applicationId: app-1",
    "    scopes: [https://graph.microsoft.com/.default]",
    "",
  ].join("\n");
  return writeTestConfig(dir, text);
}

/** `text` written as `partnerd.yaml` in `dir` and loaded; throws when it is not a valid config. */
export async function writeTestConfig(dir: string, text: string): Promise<PartnerdConfig> {
  const file = join(dir, "partnerd.yaml");
  await writeFile(file, text);
  const result = await parseConfig(text, { file, env: { HOME: dir } });
  if (result.errors) throw new Error(`test config is invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

/** An ES module whose default export is a minimal in-memory store plugin. */
export function pluginModule(name: string, extra = ""): string {
  return `${extra}
export default {
  apiVersion: 1,
  name: ${JSON.stringify(name)},
  create(options) {
    const values = new Map();
    return {
      capabilities: { versions: false, tags: false, softDelete: false },
      loadedAs: ${JSON.stringify(name)},
      options,
      async get(key) { return values.has(key) ? { value: values.get(key), version: "1" } : null; },
      async put(key, value) { values.set(key, value); return { version: "1" }; },
    };
  },
};
`;
}

/** The same plugin as a CommonJS module (`module.exports = plugin`). */
export function commonJsPluginModule(name: string): string {
  return `"use strict";
module.exports = {
  apiVersion: 1,
  name: ${JSON.stringify(name)},
  create() {
    return {
      capabilities: { versions: false, tags: false, softDelete: false },
      loadedAs: ${JSON.stringify(name)},
      async get() { return null; },
      async put() { return { version: "1" }; },
    };
  },
};
`;
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { exitCode?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected a rejection");
}
