/**
 * The README's first command on a fresh clone, with only the system's Node on PATH: `./dev setup`
 * provides Node and pnpm when the system's are too old, installs the workspace and writes the launcher;
 * then partnerd runs in each of the three ways the README names. npm's cache makes repeated runs fast.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO as repo } from "./oldest-node.ts";

const run = promisify(execFile);
const version = (
  JSON.parse(await readFile(join(repo, "packages/cli/package.json"), "utf8")) as { version: string }
).version;

/** The caller's environment without the toolchain this test run was started with (pnpm's npm_* variables, .tools on PATH). */
function systemEnv(extraPath: string[] = []): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_|pnpm_|PNPM_|NODE_OPTIONS$|VITEST|INIT_CWD$)/.test(key),
    ),
  );
  return { ...env, PATH: [...extraPath, "/usr/local/bin", "/usr/bin", "/bin"].join(":") };
}

describe("a fresh clone after ./dev setup", () => {
  let clone: string;

  beforeAll(async () => {
    clone = join(await mkdtemp(join(tmpdir(), "partnerd-clone-")), "partnerd");
    await run("git", ["clone", "--quiet", "--no-hardlinks", repo, clone]);
    await run(join(clone, "dev"), ["setup"], { cwd: clone, env: systemEnv(), timeout: 600_000 });
  }, 600_000);

  afterAll(async () => {
    if (clone) await rm(join(clone, ".."), { recursive: true, force: true });
  });

  it("runs partnerd through ./dev, the .tools/bin launcher and pnpm exec", async () => {
    const dev = await run(join(clone, "dev"), ["partnerd", "--version"], { cwd: clone, env: systemEnv() });
    expect(dev.stdout).toBe(`${version}\n`);

    // The launcher works from any folder, with the system's PATH.
    const launcher = await run(join(clone, ".tools/bin/partnerd"), ["--version"], {
      cwd: tmpdir(),
      env: systemEnv(),
    });
    expect(launcher.stdout).toBe(`${version}\n`);

    // pnpm at the root, with .tools/bin on PATH as the README says (./dev's pnpm launcher, or the system's).
    const toolPath = [join(clone, ".tools/bin")];
    const pnpm = await run("pnpm", ["exec", "partnerd", "--version"], {
      cwd: clone,
      env: systemEnv(toolPath),
    });
    expect(pnpm.stdout).toBe(`${version}\n`);

    const help = await run(join(clone, "dev"), ["--help"], { cwd: clone, env: systemEnv() });
    for (const command of ["setup", "partnerd", "demo", "test", "bench"])
      expect(help.stdout).toContain(command);
  });
});
