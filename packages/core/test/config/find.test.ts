import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { CONFIG_SEARCH_PLACES, findConfigFile } from "../../src/config/find.ts";
import { loadConfig } from "../../src/config/load.ts";
import { brief, cleanEnv, configIssues, testdir } from "./helpers.ts";

const VALID = 'profiles:\n  pc: { applicationId: a, scopes: [s], schedule: "0 3 * * *" }\n';
/** Code that leaves a marker file if anything ever runs it. */
const RUNS_CODE = (marker: string) =>
  `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "ran");\nexport default { profiles: {} };\n`;

describe("finding the config file", () => {
  it("finds .partnerdrc.yaml in a parent folder of cwd", async () => {
    const dir = await testdir({ ".partnerdrc.yaml": VALID, "project/deep/er/.keep": "" });
    const { config } = await loadConfig({
      cwd: join(dir, "project/deep/er"),
      env: cleanEnv(),
      systemConfigPath: "/nonexistent",
    });
    expect(config.file).toBe(join(dir, ".partnerdrc.yaml"));
    expect(config.dir).toBe(dir);
  });

  it("takes the nearest folder first, and the listed order within a folder", async () => {
    const dir = await testdir({
      "partnerd.yaml": VALID,
      "sub/.partnerdrc": VALID,
      "sub/.config/partnerdrc.yaml": VALID,
    });
    expect((await findConfigFile({ cwd: join(dir, "sub") })).file).toBe(join(dir, "sub/.partnerdrc"));
    expect((await findConfigFile({ cwd: dir })).file).toBe(join(dir, "partnerd.yaml"));
  });

  it("finds every listed name", async () => {
    for (const place of CONFIG_SEARCH_PLACES) {
      const dir = await testdir({ [place]: VALID });
      expect((await findConfigFile({ cwd: dir, systemConfigPath: "/nonexistent" })).file).toBe(
        join(dir, place),
      );
    }
  });

  it("neither loads nor runs partnerd.config.js (or other code) found alone", async () => {
    const dir = await testdir();
    const marker = join(dir, "marker");
    const { writeFile, mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, ".config"));
    for (const name of [
      "partnerd.config.js",
      "partnerd.config.mjs",
      ".partnerdrc.js",
      ".config/partnerdrc.mjs",
    ]) {
      await writeFile(join(dir, name), RUNS_CODE(marker));
    }
    await writeFile(join(dir, "package.json"), JSON.stringify({ partnerd: { profiles: {} } }));

    const issues = await configIssues(
      loadConfig({ cwd: dir, env: cleanEnv(), systemConfigPath: join(dir, "none.yaml") }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain("no config file found");
    expect(issues[0]!.message).toContain("partnerd.yaml, partnerd.yml, .partnerdrc, ");
    expect(issues[0]!.message).toContain(join(dir, "none.yaml"));
    expect(issues[0]!.message).toContain("-c PATH");
    expect(existsSync(marker)).toBe(false);
  });

  it("never runs a cosmiconfig meta config (.config/config.mjs) in the process's working folder", async () => {
    const dir = await testdir({ "partnerd.yaml": VALID });
    const marker = join(dir, "marker");
    const { writeFile, mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, ".config"));
    await writeFile(join(dir, ".config/config.mjs"), RUNS_CODE(marker));
    const previous = process.cwd();
    process.chdir(dir);
    onTestFinished(() => process.chdir(previous));

    const { config } = await loadConfig({ env: cleanEnv() });
    expect(config.file).toBe(join(dir, "partnerd.yaml"));
    expect(existsSync(marker)).toBe(false);
  });

  it("falls back to the system config file", async () => {
    const dir = await testdir({ "cwd/.keep": "", "etc/partnerd.yaml": VALID });
    const { config } = await loadConfig({
      cwd: join(dir, "cwd"),
      env: cleanEnv(),
      systemConfigPath: join(dir, "etc/partnerd.yaml"),
    });
    expect(config.file).toBe(join(dir, "etc/partnerd.yaml"));
  });

  it("uses -c PATH as given, without searching, and names it when it is missing", async () => {
    const dir = await testdir({ "partnerd.yaml": VALID, "other.yml": VALID });
    expect((await loadConfig({ configPath: "other.yml", cwd: dir, env: cleanEnv() })).config.file).toBe(
      join(dir, "other.yml"),
    );
    const issues = await configIssues(loadConfig({ configPath: "missing.yaml", cwd: dir, env: cleanEnv() }));
    expect(issues).toEqual([{ file: join(dir, "missing.yaml"), path: "", message: "config file not found" }]);
  });

  it("reads a -c file with any name as data, never as code", async () => {
    const dir = await testdir();
    const marker = join(dir, "marker");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(dir, "partnerd.config.mjs"), RUNS_CODE(marker));
    const issues = await configIssues(
      loadConfig({ configPath: "partnerd.config.mjs", cwd: dir, env: cleanEnv() }),
    );
    expect(issues.length).toBeGreaterThan(0);
    expect(existsSync(marker)).toBe(false);
  });

  it("says so when -c names a folder", async () => {
    const dir = await testdir({ "conf/.keep": "" });
    const issues = await configIssues(loadConfig({ configPath: "conf", cwd: dir, env: cleanEnv() }));
    expect(brief(issues)).toEqual(["-:- cannot read config file (is a folder)"]);
  });

  it("reports an empty file as one clear issue", async () => {
    for (const text of ["", "\n  \n", "# nothing yet\n"]) {
      const dir = await testdir({ "partnerd.yaml": text });
      const issues = await configIssues(loadConfig({ cwd: dir, env: cleanEnv() }));
      expect(brief(issues)).toEqual(["1:1 the file is empty; it needs at least `profiles:`"]);
    }
  });
});
