import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canary, runPartnerd } from "./harness.ts";

async function configFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "partnerd-cli-"));
  const path = join(dir, "partnerd.yaml");
  await writeFile(path, yaml);
  return path;
}

const validProfile = `profiles:
  pc:
    applicationId: 11111111-2222-3333-4444-555555555555
    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]
    schedule: "0 3 * * *"
`;

// Every test here spawns its own partnerd against its own temp files, so they can run side by side.
describe.concurrent("partnerd CLI", () => {
  it("--version prints the version, --help the commands and exit codes", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    expect(await runPartnerd(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await runPartnerd(["--help"]);
    expect(help.code).toBe(0);
    for (const word of ["run", "refresh", "validate", "schema", "Exit codes"])
      expect(help.stdout).toContain(word);
  });

  it("an unknown command or option is a usage error (exit 2)", async () => {
    expect((await runPartnerd(["frobnicate"])).code).toBe(2);
    expect((await runPartnerd(["run", "--no-such-flag"])).code).toBe(2);
  });

  it("validate accepts a good config", async () => {
    const path = await configFile(validProfile);
    const result = await runPartnerd(["validate", "-c", path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${path}: ok (1 profile: pc)\n`);
  });

  it("schema prints the JSON Schema", async () => {
    const result = await runPartnerd(["schema"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).properties.profiles).toBeDefined();
  });

  it.each([
    ["malformed YAML", "profiles:\n  pc: [unclosed\n", /partnerd\.yaml:\d+:\d+: YAML syntax error: /],
    [
      "an unknown key",
      validProfile.replace("schedule:", "schedul:"),
      /partnerd\.yaml:5:5 profiles\.pc: unknown key "schedul"; did you mean "schedule"\?/,
    ],
    [
      "a wrong type",
      validProfile.replace(
        "scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
        "scopes: 42",
      ),
      /partnerd\.yaml:4:13 profiles\.pc\.scopes: expected a list, got a number/,
    ],
    [
      "an invalid cron expression",
      validProfile.replace('"0 3 * * *"', '"61 * * * *"'),
      /partnerd\.yaml:5:15 profiles\.pc\.schedule: "61 \* \* \* \*" is not a valid cron expression/,
    ],
    [
      "an unknown store",
      `${validProfile}    refreshToken: { store: vault }\n`,
      /profiles\.pc\.refreshToken\.store: unknown store "vault"/,
    ],
    [
      "a missing env var",
      `${validProfile}    clientSecret: { env: PARTNERD_TEST_UNSET_VAR }\n`,
      /profiles\.pc\.clientSecret\.env: .*PARTNERD_TEST_UNSET_VAR/,
    ],
    [
      "a missing secret file",
      `${validProfile}    clientSecret: { file: ./nope }\n`,
      /profiles\.pc\.clientSecret\.file: /,
    ],
  ])("%s is reported with file:line:column and path, exit 2", async (_name, yaml, expected) => {
    const path = await configFile(yaml);
    for (const command of ["validate", "run"]) {
      const result = await runPartnerd([command, "-c", path]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(expected);
      expect(result.stdout).toBe("");
    }
  });

  it("reports every problem at once", async () => {
    const yaml = validProfile
      .replace("schedule:", "schedul:")
      .replace("applicationId: 11111111-2222-3333-4444-555555555555", "applicationId: 7");
    const path = await configFile(`${yaml}    refreshToken: { store: vault }\n`);
    const result = await runPartnerd(["validate", "-c", path]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/profiles\.pc\.applicationId: /);
    expect(lines[1]).toMatch(/profiles\.pc: unknown key "schedul"/);
    expect(lines[2]).toMatch(/profiles\.pc\.refreshToken\.store: unknown store "vault"/);
  });

  it("a secret value from the environment never appears in output, even in errors", async () => {
    const secret = canary("SECRET");
    const path = await configFile(
      `${validProfile}    clientSecret: { env: PARTNERD_TEST_SECRET }\n    bogus: 1\n`,
    );
    const result = await runPartnerd(["validate", "-c", path], { env: { PARTNERD_TEST_SECRET: secret } });
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain(secret);
  });
});
