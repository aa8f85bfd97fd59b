import { execFileSync } from "node:child_process";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";
import { brief, cleanEnv, configIssues, testdir } from "./helpers.ts";

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

async function problems(text: string, files: Record<string, string> = {}) {
  const dir = await testdir({ ...files, "partnerd.yaml": text });
  return brief(await configIssues(loadConfig({ cwd: dir, env: cleanEnv() })));
}

describe("config loader edge cases", () => {
  it("a YAML syntax error never quotes the source text (it may be a pasted token)", async () => {
    const canary = "eyJ0eXAiOiJKV1QiCANARYs3cr3t";
    for (const text of [lines("profiles: {}", `} ${canary}`), lines("profiles:", `  pc: |${canary}`)]) {
      const issues = await problems(text);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.join("\n")).not.toContain(canary);
    }
  });

  it("a config file that cannot be read is an error, not a reason to use a parent folder's", async () => {
    const dir = await testdir({ "partnerd.yaml": lines("profiles: {}") });
    const child = join(dir, "child");
    execFileSync("mkdir", [child]);
    await symlink("partnerd.yaml", join(child, "partnerd.yaml")); // points at itself: ELOOP
    const error = await loadConfig({ cwd: child, env: cleanEnv() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ file: join(child, "partnerd.yaml") });
    expect((error as ConfigError).message).toContain("cannot read config file");
  });

  it("a secret reference to a FIFO is refused at once instead of blocking", async () => {
    const dir = await testdir({
      "partnerd.yaml": lines(
        "profiles:",
        "  pc:",
        "    applicationId: a",
        "    scopes: [s]",
        "    clientSecret: { file: ./fifo }",
      ),
    });
    execFileSync("mkfifo", [join(dir, "fifo")]);
    const issues = brief(await configIssues(loadConfig({ cwd: dir, env: cleanEnv() })));
    expect(issues).toEqual([
      `5:27 profiles.pc.clientSecret.file: secret file ${join(dir, "fifo")} is not a regular file`,
    ]);
  });

  it("a field the schema rejected causes no follow-on errors", async () => {
    expect(await problems(lines("profiles:", "  exo:", "    module: Exchange"))).toEqual([
      '3:13 profiles.exo.module: must be "ExchangeOnline", got "Exchange"',
    ]);
    expect(await problems(lines("profiles:", "  p:"))).toHaveLength(1);
  });

  it("client-credentials profiles hold no refresh-token location, so names cannot clash", async () => {
    const dir = await testdir({
      s: "x",
      "partnerd.yaml": lines(
        "profiles:",
        "  cc:",
        "    flow: client-credentials",
        "    applicationId: a",
        "    clientSecret: { file: ./s }",
        "    tenant: contoso.com",
        "    scopes: [https://graph.microsoft.com/.default]",
        "  pc:",
        "    applicationId: b",
        "    scopes: [s]",
        "    refreshToken: { name: cc }",
      ),
    });
    const { config } = await loadConfig({ cwd: dir, env: cleanEnv() });
    expect(config.profiles.cc?.refreshToken).toEqual([]);
    expect(config.profiles.pc?.refreshToken).toEqual([{ store: "default", name: "cc" }]);
  });

  it('a profile named "__proto__" is an error, not silently dropped', async () => {
    expect(
      await problems(lines("profiles:", "  __proto__:", "    applicationId: a", "    scopes: [s]")),
    ).toContain('2:3 "__proto__" cannot be used as a name');
  });
});
