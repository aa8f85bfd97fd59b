import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onTestFinished } from "vitest";
import { ConfigError, type ConfigIssue } from "../../src/errors.ts";

/** A temporary folder holding `files` (path → content), removed when the test ends. */
export async function testdir(files: Record<string, string> = {}): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "partnerd-config-")));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** The issues of the `ConfigError` that `promise` rejects with. */
export async function configIssues(promise: Promise<unknown>): Promise<readonly ConfigIssue[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a ConfigError, but the config loaded");
}

/** Issues without the temp folder, for readable assertions: `line:column path: message`. */
export function brief(issues: readonly ConfigIssue[]): string[] {
  return issues.map((i) => `${i.line ?? "-"}:${i.column ?? "-"} ${i.path ? `${i.path}: ` : ""}${i.message}`);
}

/** An env with nothing from the machine running the tests, so state folders are predictable. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: "/home/tester", ...extra };
}
