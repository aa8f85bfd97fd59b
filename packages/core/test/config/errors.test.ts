import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError, formatConfigIssue } from "../../src/errors.ts";
import { brief, cleanEnv, configIssues, testdir } from "./helpers.ts";

/** Loads `text` as partnerd.yaml and returns its issues as `line:col path: message`. */
async function problems(
  text: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
  files: Record<string, string> = {},
) {
  const dir = await testdir({ ...files, "partnerd.yaml": text });
  return brief(await configIssues(loadConfig({ cwd: dir, env })));
}

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

describe("syntax", () => {
  it("reports malformed YAML at its line and column", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s, t",
      "    schedule: 0 3 * * *",
    );
    expect(await problems(text)).toEqual([
      "5:5 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("reports an unterminated quote", async () => {
    expect(await problems(lines("profiles:", '  pc: { applicationId: "a }'))).toContain(
      '3:1 YAML syntax error: Missing closing "quote',
    );
  });

  it("reports a misaligned key at the key", async () => {
    expect(await problems(lines("profiles:", "  pc:", "    applicationId: a", "   scopes: [s]"))).toEqual([
      "4:4 YAML syntax error: All mapping items must start at the same column",
    ]);
  });

  it("treats duplicate keys as errors, at the second key", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      "    applicationId: b",
    );
    expect(await problems(text)).toEqual(['5:5 profiles.pc: duplicate key "applicationId"']);
  });

  it("treats duplicate keys in JSON as errors too", async () => {
    const dir = await testdir({ "partnerd.config.json": '{\n  "profiles": {},\n  "profiles": {}\n}\n' });
    expect(brief(await configIssues(loadConfig({ cwd: dir, env: cleanEnv() })))).toEqual([
      '3:3 duplicate key "profiles"',
    ]);
  });

  it("reports a malformed JSON file with its position", async () => {
    const dir = await testdir({ ".partnerdrc.json": '{\n  "profiles": {\n    "pc": {\n  }\n' });
    const issues = await configIssues(loadConfig({ cwd: dir, env: cleanEnv() }));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ file: join(dir, ".partnerdrc.json"), line: expect.any(Number) });
    expect(issues[0]!.message).toMatch(/^YAML syntax error: /);
  });
});

describe("schema", () => {
  it("names an unknown key at the key, with a suggestion", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      '    schedul: "0 3 * * *"',
    );
    expect(await problems(text)).toEqual([
      '5:5 profiles.pc: unknown key "schedul"; did you mean "schedule"?',
    ]);
  });

  it("never echoes the value of an unknown key", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      "    password: hunter2-value",
    );
    const found = await problems(text);
    expect(found).toEqual(['5:5 profiles.pc: unknown key "password"']);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("says what type was expected and what was found", async () => {
    const text = lines(
      "stateDir: 42",
      "profiles:",
      "  pc:",
      "    applicationId: 12345",
      "    scopes: https://graph.microsoft.com/.default",
      "    tenant:",
      "    retry: { attempts: 2.5 }",
      "    refreshToken: vault",
    );
    expect(await problems(text)).toEqual([
      "1:11 stateDir: expected a string, got a number",
      "4:20 profiles.pc.applicationId: expected a string, got a number",
      "5:13 profiles.pc.scopes: expected a list, got a string",
      "6:5 profiles.pc.tenant: expected a string, got an empty value",
      "7:24 profiles.pc.retry.attempts: expected a whole number, got a number",
      "8:19 profiles.pc.refreshToken: expected { store: ID, name: KEY } or a list of them",
    ]);
  });

  it("reports a missing required key at the mapping that lacks it", async () => {
    expect(await problems(lines("profiles:", "  pc:", "    scopes: [s]"))).toEqual([
      "2:3 profiles.pc.applicationId: is required (or a module such as ExchangeOnline)",
    ]);
    expect(await problems(lines("stores: {}"))).toEqual(["1:1 profiles: is required"]);
  });

  it("says so when the file is not a mapping", async () => {
    expect(await problems(lines("- a", "- b"))).toEqual(["1:1 expected a mapping, got a list"]);
  });

  it("rejects an invalid cron expression, naming the line and path", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      '    schedule: "61 * * * *"',
    );
    const dir = await testdir({ "partnerd.yaml": text });
    const issues = await configIssues(loadConfig({ cwd: dir, env: cleanEnv() }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      file: join(dir, "partnerd.yaml"),
      line: 5,
      column: 15,
      path: "profiles.pc.schedule",
    });
    expect(formatConfigIssue(issues[0]!)).toMatch(
      new RegExp(
        `^${join(dir, "partnerd.yaml")}:5:15 profiles.pc.schedule: "61 \\* \\* \\* \\*" is not a valid cron expression`,
      ),
    );
    expect(issues[0]!.message).toContain("(minute: 61 is not a valid minute; allowed: 0-59)");
    expect(formatConfigIssue({ file: "/tmp", path: "", message: "no config file found" })).toBe(
      "/tmp: no config file found",
    );
  });

  it("rejects an unknown time zone", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      "    schedule: 0 3 * * *",
      "    timezone: Europe/Atlantis",
    );
    expect(await problems(text)).toEqual([
      '6:15 profiles.pc.timezone: "Europe/Atlantis" is not an IANA time zone (for example "Europe/Amsterdam" or "UTC")',
    ]);
  });

  it("lists the allowed values of an enumeration", async () => {
    const text = lines(
      "profiles:",
      "  pc: { applicationId: a, scopes: [s], schedule: 0 3 * * *, environment: Azure }",
    );
    expect(await problems(text)).toEqual([
      '2:74 profiles.pc.environment: expected one of "AzureCloud", "AzureChinaCloud", "AzureUSGovernment", "AzurePPE", "AzureGermanCloud", got "Azure"',
    ]);
  });

  it("explains the shapes a secret reference may take, without echoing a literal secret", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      "    schedule: 0 3 * * *",
      "    clientSecret: literal-client-secret",
      "  other:",
      "    applicationId: a",
      "    scopes: [s]",
      "    schedule: 0 3 * * *",
      "    clientSecret: { env: '' }",
    );
    const found = await problems(text);
    expect(found).toEqual([
      "6:19 profiles.pc.clientSecret: expected { env: NAME }, { file: PATH } or { store: ID, name: KEY }",
      "11:26 profiles.other.clientSecret.env: must not be empty",
    ]);
    expect(found.join("\n")).not.toContain("literal-client-secret");
  });

  it("rejects bad names and URLs", async () => {
    const text = lines(
      "network: { proxy: 'ftp://proxy' }",
      "stores:",
      "  my vault: { use: keyvault }",
      "profiles:",
      "  pc: { applicationId: a, scopes: [s], schedule: 0 3 * * *, authority: 'http://login.example.com' }",
    );
    expect(await problems(text)).toEqual([
      "1:19 network.proxy: expected an http:// or https:// URL",
      `3:3 stores.my vault: "my vault" is not a valid name: expected letters, digits, '.', '_' or '-', starting with a letter or digit`,
      "5:72 profiles.pc.authority: expected an https:// URL",
    ]);
  });
});

describe("rules", () => {
  const profile = (name: string, ...extra: string[]) => [
    `  ${name}:`,
    "    applicationId: a",
    "    scopes: [s]",
    "    schedule: 0 3 * * *",
    ...extra.map((line) => `    ${line}`),
  ];

  it("rejects environment and authority together, at authority", async () => {
    const text = lines(
      "profiles:",
      ...profile("pc", "environment: AzureCloud", "authority: https://login.example.com"),
    );
    expect(await problems(text)).toEqual([
      "7:16 profiles.pc.authority: set either environment or authority, not both",
    ]);
  });

  it("rejects a refresh-token location in an unknown store", async () => {
    const text = lines(
      "stores:",
      "  local: { use: file }",
      "profiles:",
      ...profile("pc", "refreshToken: { store: vault }"),
      ...profile("b", "refreshToken:", "  - store: local", "  - store: vault2"),
    );
    expect(await problems(text)).toEqual([
      '8:28 profiles.pc.refreshToken.store: unknown store "vault" (defined: default, local)',
      '15:16 profiles.b.refreshToken.1.store: unknown store "vault2" (defined: default, local)',
    ]);
  });

  it("rejects a { store, name } secret reference to an unknown store", async () => {
    const text = lines("profiles:", ...profile("pc", "clientSecret: { store: kv, name: pc-secret }"));
    expect(await problems(text)).toEqual([
      '6:28 profiles.pc.clientSecret.store: unknown store "kv" (defined: default)',
    ]);
  });

  it("rejects the same location listed twice in one profile", async () => {
    const text = lines(
      "profiles:",
      ...profile("pc", "refreshToken:", "  - { store: default, name: pc }", "  - { name: pc }"),
    );
    expect(await problems(text)).toEqual([
      '8:9 profiles.pc.refreshToken.1: store "default", name "pc" is listed twice',
    ]);
  });

  it("rejects two profiles sharing a token location, on the second", async () => {
    const text = lines(
      "profiles:",
      ...profile("pc", "refreshToken: { name: shared }"),
      ...profile("exo", "refreshToken: { store: default, name: shared }"),
      ...profile("graph"),
      ...profile("pc2", "refreshToken: { name: graph }"),
    );
    expect(await problems(text)).toEqual([
      `11:19 profiles.exo.refreshToken: store "default", name "shared" already holds profile pc's refresh token; the two would overwrite each other`,
      `20:19 profiles.pc2.refreshToken: store "default", name "graph" already holds profile graph's refresh token; the two would overwrite each other`,
    ]);
  });

  it("checks that network.caFile can be read and holds a certificate", async () => {
    const text = (ca: string) => lines(`network: { caFile: ${ca} }`, "profiles:", ...profile("pc"));
    expect(await problems(text("certs/missing.pem"))).toEqual([
      expect.stringMatching(/^1:20 network\.caFile: cannot read \/.*\/certs\/missing\.pem \(no such file\)$/),
    ]);
    expect(await problems(text("notes.txt"), cleanEnv(), { "notes.txt": "hello" })).toEqual([
      expect.stringMatching(/^1:20 network\.caFile: \/.*\/notes\.txt holds no PEM certificate$/),
    ]);
  });

  it("rejects a retry delay that starts above its maximum", async () => {
    const text = lines("profiles:", ...profile("pc", "retry: { initialDelayMs: 5000, maxDelayMs: 1000 }"));
    expect(await problems(text)).toEqual([
      "6:30 profiles.pc.retry.initialDelayMs: is larger than maxDelayMs (1000)",
    ]);
  });
});

describe("secret references", () => {
  const withSecret = (ref: string) =>
    lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      "    schedule: 0 3 * * *",
      `    clientSecret: ${ref}`,
    );

  it("reports an unset or empty environment variable at the reference", async () => {
    expect(await problems(withSecret("{ env: PC_SECRET }"))).toEqual([
      "6:26 profiles.pc.clientSecret.env: environment variable PC_SECRET is not set",
    ]);
    expect(await problems(withSecret("{ env: PC_SECRET }"), cleanEnv({ PC_SECRET: "" }))).toEqual([
      "6:26 profiles.pc.clientSecret.env: environment variable PC_SECRET is empty",
    ]);
  });

  it("reports a missing or empty secret file, relative to the config folder", async () => {
    const dir = await testdir({ "partnerd.yaml": withSecret("{ file: secrets/pc }") });
    const issues = await configIssues(loadConfig({ cwd: dir, env: cleanEnv() }));
    expect(brief(issues)).toEqual([
      `6:27 profiles.pc.clientSecret.file: cannot read secret file ${join(dir, "secrets/pc")} (no such file)`,
    ]);
    expect(await problems(withSecret("{ file: empty }"), cleanEnv(), { empty: "\n" })).toEqual([
      expect.stringMatching(/^6:27 profiles\.pc\.clientSecret\.file: secret file \/.*\/empty is empty$/),
    ]);
  });

  it("expands $CREDENTIALS_DIRECTORY in both spellings, trimming the trailing newline", async () => {
    const creds = await testdir({ "pc-secret": "from-systemd\r\n", other: "second\n\n" });
    for (const ref of [
      "{ file: $CREDENTIALS_DIRECTORY/pc-secret }",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the YAML spells the variable with braces
      "{ file: '${CREDENTIALS_DIRECTORY}/pc-secret' }",
    ]) {
      const dir = await testdir({ "partnerd.yaml": withSecret(ref) });
      const { config } = await loadConfig({ cwd: dir, env: cleanEnv({ CREDENTIALS_DIRECTORY: creds }) });
      const secret = config.profiles.pc!.clientSecret;
      expect(secret?.kind === "value" && secret.secret.reveal()).toBe("from-systemd");
    }
    const dir = await testdir({ "partnerd.yaml": withSecret("{ file: $CREDENTIALS_DIRECTORY/other }") });
    const { config } = await loadConfig({ cwd: dir, env: cleanEnv({ CREDENTIALS_DIRECTORY: creds }) });
    const secret = config.profiles.pc!.clientSecret;
    expect(secret?.kind === "value" && secret.secret.reveal()).toBe("second");
  });

  it("reports $CREDENTIALS_DIRECTORY when it is not set", async () => {
    expect(await problems(withSecret("{ file: $CREDENTIALS_DIRECTORY/pc-secret }"))).toEqual([
      "6:27 profiles.pc.clientSecret.file: uses $CREDENTIALS_DIRECTORY, which is not set (systemd sets it for units with LoadCredential=)",
    ]);
  });
});

describe("all at once", () => {
  it("reports three different problems as three issues of one ConfigError", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes: [s]",
      "    schedul: 0 3 * * *",
      "    clientSecret: { env: PC_SECRET }",
      "  exo:",
      "    applicationId: b",
      "    scopes: [s]",
      "    schedule: 61 * * * *",
    );
    const dir = await testdir({ "partnerd.yaml": text });
    const error = await loadConfig({ cwd: dir, env: cleanEnv() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message, exitCode } = error as ConfigError;
    expect(brief(issues)).toEqual([
      '5:5 profiles.pc: unknown key "schedul"; did you mean "schedule"?',
      "6:26 profiles.pc.clientSecret.env: environment variable PC_SECRET is not set",
      expect.stringMatching(
        /^10:15 profiles\.exo\.schedule: "61 \* \* \* \*" is not a valid cron expression/,
      ),
    ]);
    expect(message.split("\n")).toHaveLength(3);
    expect(message.split("\n")[0]).toBe(
      `${join(dir, "partnerd.yaml")}:5:5 profiles.pc: unknown key "schedul"; did you mean "schedule"?`,
    );
    expect(exitCode).toBe(2);
  });

  it("still applies the rules to the parts of a profile that are valid", async () => {
    const text = lines(
      "profiles:",
      "  pc:",
      "    applicationId: 7",
      "    scopes: [s]",
      "    schedule: 0 3 * * *",
      "    refreshToken: { store: nowhere }",
    );
    expect(await problems(text)).toEqual([
      "3:20 profiles.pc.applicationId: expected a string, got a number",
      '6:28 profiles.pc.refreshToken.store: unknown store "nowhere" (defined: default)',
    ]);
  });

  it("does not warn about a missing schedule when the schedule is there but invalid", async () => {
    const text = lines("profiles:", "  pc:", "    applicationId: a", "    scopes: [s]", "    schedule: nope");
    const dir = await testdir({ "partnerd.yaml": text });
    const { parseConfig } = await import("../../src/config/load.ts");
    const result = await parseConfig(text, { file: join(dir, "partnerd.yaml"), env: cleanEnv() });
    expect(result.errors).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });
});
