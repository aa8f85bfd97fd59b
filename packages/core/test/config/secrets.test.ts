import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";
import { cleanEnv, configIssues, testdir } from "./helpers.ts";

const ENV_CANARY = "canary-env-7f3a9c1e-DO-NOT-LEAK";
const FILE_CANARY = "canary-file-42b8d6e0-DO-NOT-LEAK";

const config = (extra = "") =>
  [
    "profiles:",
    "  env-profile:",
    "    applicationId: a",
    "    scopes: [s]",
    "    schedule: 0 3 * * *",
    "    clientSecret: { env: PC_SECRET }",
    "  file-profile:",
    "    applicationId: b",
    "    scopes: [s]",
    "    schedule: 0 3 * * *",
    "    clientSecret: { file: client-secret.txt }",
    extra,
    "",
  ].join("\n");

function expectNoCanary(text: string): void {
  expect(text).not.toContain(ENV_CANARY);
  expect(text).not.toContain(FILE_CANARY);
  expect(text).not.toContain("canary-");
}

describe("secret values never leak", () => {
  it("keeps loaded secrets out of JSON.stringify and util.inspect of the config", async () => {
    const dir = await testdir({ "partnerd.yaml": config(), "client-secret.txt": `${FILE_CANARY}\n` });
    const { config: loaded, warnings } = await loadConfig({
      cwd: dir,
      env: cleanEnv({ PC_SECRET: ENV_CANARY }),
    });

    const envSecret = loaded.profiles["env-profile"]!.clientSecret;
    const fileSecret = loaded.profiles["file-profile"]!.clientSecret;
    expect(envSecret?.kind === "value" && envSecret.secret.reveal()).toBe(ENV_CANARY);
    expect(fileSecret?.kind === "value" && fileSecret.secret.reveal()).toBe(FILE_CANARY);

    expectNoCanary(JSON.stringify(loaded));
    expectNoCanary(inspect(loaded, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
    expectNoCanary(`${envSecret?.kind === "value" ? envSecret.secret : ""} ${JSON.stringify(envSecret)}`);
    expectNoCanary(JSON.stringify(warnings));
  });

  it("keeps secrets out of every issue, even when loading fails for other reasons", async () => {
    // Problems next to the secrets: an unknown key, a bad cron, a missing store — and secrets that resolved.
    const extra = [
      "  broken:",
      "    applicationId: c",
      "    scopes: [s]",
      "    schedule: 61 * * * *",
      "    clientSecret: { store: nowhere, name: x }",
      "    surprise: 1",
    ].join("\n");
    const dir = await testdir({ "partnerd.yaml": config(extra), "client-secret.txt": FILE_CANARY });
    const env = cleanEnv({ PC_SECRET: ENV_CANARY });
    const error = await loadConfig({ cwd: dir, env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message, stack } = error as ConfigError;
    expect(issues.length).toBe(3);
    expectNoCanary(message);
    expectNoCanary(String(stack));
    expectNoCanary(JSON.stringify(issues));
    expectNoCanary(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
  });

  it("does not echo a secret pasted literally into the file", async () => {
    const text = config()
      .replace("{ env: PC_SECRET }", ENV_CANARY)
      .replace("scopes: [s]", `scopes: [s]\n    token: ${FILE_CANARY}`);
    const result = await parseConfig(text, { file: "/etc/partnerd/partnerd.yaml", env: cleanEnv() });
    expect(result.errors?.length).toBeGreaterThan(0);
    expectNoCanary(JSON.stringify(result));
  });

  it("does not echo a secret file's content when the file is the problem", async () => {
    // A config that points its CA file at a secret file by mistake.
    const text = `network: { caFile: client-secret.txt }\n${config()}`;
    const dir = await testdir({ "partnerd.yaml": text, "client-secret.txt": FILE_CANARY });
    const issues = await configIssues(loadConfig({ cwd: dir, env: cleanEnv({ PC_SECRET: ENV_CANARY }) }));
    expect(issues.map((i) => i.message)).toEqual([expect.stringContaining("holds no PEM certificate")]);
    expectNoCanary(JSON.stringify(issues));
  });
});
