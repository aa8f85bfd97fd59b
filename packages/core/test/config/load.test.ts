import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.ts";
import { resolveStateDir } from "../../src/config/state-dir.ts";
import { Secret } from "../../src/secret.ts";
import { brief, cleanEnv, testdir } from "./helpers.ts";

const PC_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation";

describe("loadConfig: valid files", () => {
  it("normalizes a minimal config, applying every default", async () => {
    const dir = await testdir({
      "partnerd.yaml": `profiles:\n  pc:\n    applicationId: app-1\n    scopes: [${PC_SCOPE}]\n    schedule: "0 3 * * *"\n`,
    });
    const { config, warnings } = await loadConfig({ cwd: dir, env: cleanEnv() });

    expect(warnings).toEqual([]);
    const { locate, ...plain } = config;
    expect(typeof locate).toBe("function");
    expect(plain).toStrictEqual({
      file: join(dir, "partnerd.yaml"),
      dir,
      stateDir: "/home/tester/.local/state/partnerd",
      network: { timeoutMs: 100_000 },
      server: {},
      stores: { default: { use: "file", options: { dir: "/home/tester/.local/state/partnerd/secrets" } } },
      hooks: [],
      profiles: {
        pc: {
          name: "pc",
          flow: "refresh-token",
          applicationId: "app-1",
          environment: "AzureCloud",
          tenant: "organizations",
          scopes: [PC_SCOPE],
          schedule: "0 3 * * *",
          retry: { attempts: 5, initialDelayMs: 1000, maxDelayMs: 60_000 },
          inactivityDays: 90,
          expiringAfterDays: 60,
          hooks: [],
          consent: "authorization-code",
          clientSecret: undefined,
          clientCertificate: undefined,
          refreshToken: [{ store: "default", name: "pc" }],
        },
      },
    });
  });

  it("normalizes a full config: paths absolute, secrets read, several token locations", async () => {
    const dir = await testdir({
      "etc/partnerd.yaml": [
        "# yaml-language-server: $schema=../schema/partnerd.schema.json",
        "stateDir: ../state",
        "network:",
        "  caFile: certs/ca.pem",
        "  proxy: http://proxy.internal:3128",
        "  timeoutMs: 5000",
        "stores:",
        "  local:",
        "    use: file",
        "    options: { dir: ./tokens }",
        "  vault:",
        "    use: keyvault",
        "    options:",
        "      vaultUrl: https://contoso.vault.azure.net",
        "profiles:",
        "  partner-center:",
        "    applicationId: 11111111-2222-3333-4444-555555555555",
        "    clientSecret: { file: secrets/pc-secret }",
        "    environment: AzureUSGovernment",
        "    tenant: contoso.onmicrosoft.com",
        `    scopes: [${PC_SCOPE}]`,
        "    refreshToken:",
        "      - { store: vault, name: pc-refresh }",
        "      - store: local",
        "    schedule: '*/30 * * * *'",
        "    timezone: Europe/Amsterdam",
        "    retry: { attempts: 3 }",
        "  exo:",
        "    applicationId: app-exo",
        "    clientSecret: { env: EXO_SECRET }",
        "    authority: https://login.example.com",
        "    scopes: [https://outlook.office365.com/.default]",
        "    refreshToken: { store: vault }",
        "    schedule: 0 4 * * 1",
        "  graph:",
        "    applicationId: app-graph",
        "    clientSecret: { store: vault, name: graph-client-secret }",
        "    scopes: [https://graph.microsoft.com/.default, offline_access]",
        "    schedule: 15 2 * * *",
        "",
      ].join("\n"),
      "etc/certs/ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      "etc/secrets/pc-secret": "pc-client-secret\n",
    });
    await chmod(join(dir, "etc/secrets/pc-secret"), 0o600);
    const { config, warnings } = await loadConfig({
      configPath: "etc/partnerd.yaml",
      cwd: dir,
      env: cleanEnv({ EXO_SECRET: "exo-client-secret" }),
    });
    const etc = join(dir, "etc");

    expect(warnings).toEqual([]);
    expect(config.file).toBe(join(etc, "partnerd.yaml"));
    expect(config.dir).toBe(etc);
    expect(config.stateDir).toBe(join(dir, "state"));
    expect(config.network).toStrictEqual({
      caFile: join(etc, "certs/ca.pem"),
      proxy: "http://proxy.internal:3128",
      timeoutMs: 5000,
    });
    expect(config.stores).toStrictEqual({
      default: { use: "file", options: { dir: join(dir, "state/secrets") } },
      local: { use: "file", options: { dir: "./tokens" } },
      vault: { use: "keyvault", options: { vaultUrl: "https://contoso.vault.azure.net" } },
    });
    expect(Object.keys(config.profiles)).toEqual(["partner-center", "exo", "graph"]);

    const { clientSecret: pcSecret, ...pc } = config.profiles["partner-center"]!;
    expect(pc).toStrictEqual({
      name: "partner-center",
      flow: "refresh-token",
      consent: "authorization-code",
      clientCertificate: undefined,
      applicationId: "11111111-2222-3333-4444-555555555555",
      environment: "AzureUSGovernment",
      tenant: "contoso.onmicrosoft.com",
      scopes: [PC_SCOPE],
      refreshToken: [
        { store: "vault", name: "pc-refresh" },
        { store: "local", name: "partner-center" },
      ],
      schedule: "*/30 * * * *",
      timezone: "Europe/Amsterdam",
      retry: { attempts: 3, initialDelayMs: 1000, maxDelayMs: 60_000 },
      inactivityDays: 90,
      expiringAfterDays: 60,
      hooks: [],
    });
    expect(pcSecret?.kind).toBe("value");
    expect(pcSecret?.kind === "value" && pcSecret.secret.reveal()).toBe("pc-client-secret");
    expect(pcSecret?.kind === "value" && pcSecret.secret).toBeInstanceOf(Secret);

    const exo = config.profiles.exo!;
    expect(exo.authority).toBe("https://login.example.com");
    expect(exo.environment).toBe("AzureCloud");
    expect(exo.refreshToken).toEqual([{ store: "vault", name: "exo" }]);
    expect(exo.clientSecret?.kind === "value" && exo.clientSecret.secret.reveal()).toBe("exo-client-secret");

    expect(config.profiles.graph!.clientSecret).toStrictEqual({
      kind: "store",
      store: "vault",
      name: "graph-client-secret",
      configPath: "profiles.graph.clientSecret",
    });
    expect(config.profiles.graph!.refreshToken).toEqual([{ store: "default", name: "graph" }]);
  });

  it("reads JSON, with positions", async () => {
    const json = {
      $schema: "https://unpkg.com/@partnerd/core/schema/partnerd.schema.json",
      profiles: { pc: { applicationId: "app-1", scopes: [PC_SCOPE], schedule: "0 3 * * *" } },
    };
    const dir = await testdir({ ".partnerdrc.json": JSON.stringify(json, null, "\t") });
    const { config } = await loadConfig({ cwd: dir, env: cleanEnv() });
    expect(config.file).toBe(join(dir, ".partnerdrc.json"));
    expect(config.profiles.pc!.applicationId).toBe("app-1");
    expect(config.locate("profiles.pc.schedule")).toMatchObject({ line: 9, column: 16 });
  });

  it("lets the file replace the embedded default store", async () => {
    const dir = await testdir({
      "partnerd.yaml":
        "stores:\n  default: { use: keyvault, options: { vaultUrl: https://v.vault.azure.net } }\n" +
        `profiles:\n  pc: { applicationId: a, scopes: [s], schedule: "0 3 * * *" }\n`,
    });
    const { config } = await loadConfig({ cwd: dir, env: cleanEnv() });
    expect(config.stores).toStrictEqual({
      default: { use: "keyvault", options: { vaultUrl: "https://v.vault.azure.net" } },
    });
  });

  it("warns, without failing, about a profile that has no schedule", async () => {
    const dir = await testdir({
      "partnerd.yaml": "profiles:\n  pc:\n    applicationId: a\n    scopes: [s]\n",
    });
    const { config, warnings } = await loadConfig({ cwd: dir, env: cleanEnv() });
    expect(config.profiles.pc!.schedule).toBeUndefined();
    expect(brief(warnings)).toEqual(["2:3 profiles.pc: has no schedule; `partnerd run` will not refresh it"]);
  });

  it("locates any dotted path, falling back to the nearest ancestor", async () => {
    const text = [
      "profiles:",
      "  pc:",
      "    applicationId: a",
      "    scopes:",
      "      - first",
      "      - second",
      "    clientSecret: { store: default, name: s }",
      "    schedule: 0 3 * * *",
      "",
    ].join("\n");
    const result = await parseConfig(text, { file: "/etc/partnerd/partnerd.yaml", env: cleanEnv() });
    const config = result.config!;
    const at = (path: string) => {
      const { line, column, file, message } = config.locate(path);
      return { line, column, file, message };
    };
    expect(at("profiles.pc.applicationId")).toEqual({
      line: 3,
      column: 20,
      file: "/etc/partnerd/partnerd.yaml",
      message: "",
    });
    expect(config.locate("profiles.pc.scopes.1")).toMatchObject({
      line: 6,
      column: 9,
      path: "profiles.pc.scopes.1",
    });
    expect(config.locate("profiles.pc.clientSecret.name")).toMatchObject({ line: 7, column: 43 });
    // A block mapping is located at its key; an absent node at its nearest ancestor's key.
    expect(config.locate("profiles.pc")).toMatchObject({ line: 2, column: 3 });
    expect(config.locate("profiles.pc.refreshToken")).toMatchObject({ line: 2, column: 3 });
    expect(config.locate("")).toMatchObject({ line: 1, column: 1, path: "" });
  });

  it("finds profile names that contain dots", async () => {
    const text =
      'profiles:\n  contoso.pc:\n    applicationId: a\n    scopes: [s]\n    schedule: "0 3 * * *"\n';
    const result = await parseConfig(text, { file: "/x/partnerd.yaml", env: cleanEnv() });
    expect(result.config?.locate("profiles.contoso.pc.applicationId")).toMatchObject({ line: 3, column: 20 });
  });
});

describe("resolveStateDir", () => {
  it("prefers the file's stateDir, relative to the config folder", () => {
    expect(resolveStateDir("state", "/etc/partnerd", { STATE_DIRECTORY: "/var/lib/partnerd" })).toBe(
      "/etc/partnerd/state",
    );
    expect(resolveStateDir("/srv/partnerd", "/etc/partnerd", {})).toBe("/srv/partnerd");
  });

  it("then systemd's STATE_DIRECTORY (its first entry), then XDG_STATE_HOME, then ~/.local/state", () => {
    const env = {
      STATE_DIRECTORY: "/var/lib/partnerd:/var/lib/other",
      XDG_STATE_HOME: "/x",
      HOME: "/home/u",
    };
    expect(resolveStateDir(undefined, "/etc", env)).toBe("/var/lib/partnerd");
    expect(resolveStateDir(undefined, "/etc", { XDG_STATE_HOME: "/x", HOME: "/home/u" })).toBe("/x/partnerd");
    expect(resolveStateDir(undefined, "/etc", { XDG_STATE_HOME: "relative", HOME: "/home/u" })).toBe(
      "/home/u/.local/state/partnerd",
    );
    expect(resolveStateDir(undefined, "/etc", { HOME: "/home/u" })).toBe("/home/u/.local/state/partnerd");
  });
});
