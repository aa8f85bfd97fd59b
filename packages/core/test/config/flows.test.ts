import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { brief, cleanEnv, configIssues, testdir } from "./helpers.ts";

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

async function load(text: string, files: Record<string, string> = {}) {
  const dir = await testdir({ ...files, "partnerd.yaml": text });
  return loadConfig({ cwd: dir, env: cleanEnv() });
}

async function problems(text: string, files: Record<string, string> = {}) {
  return brief(await configIssues(load(text, files)));
}

describe("flows and presets", () => {
  it("module ExchangeOnline fixes the app id and scope and consents with device code", async () => {
    const { config } = await load(
      lines("profiles:", "  exo:", "    module: ExchangeOnline", "    tenant: contoso.com"),
    );
    expect(config.profiles.exo).toMatchObject({
      applicationId: "a0c73c16-a7e3-4564-9a95-2bdf47383716",
      scopes: ["https://outlook.office365.com/.default"],
      consent: "device-code",
      flow: "refresh-token",
      clientSecret: undefined,
    });
  });

  it("the same app id and scope as the module are accepted; conflicting ones are errors", async () => {
    await expect(
      load(
        lines(
          "profiles:",
          "  exo:",
          "    module: ExchangeOnline",
          "    applicationId: A0C73C16-A7E3-4564-9A95-2BDF47383716",
          "    scopes: [https://outlook.office365.com/.default]",
        ),
      ),
    ).resolves.toBeDefined();
    expect(
      await problems(
        lines(
          "profiles:",
          "  exo:",
          "    module: ExchangeOnline",
          "    applicationId: x",
          "    scopes: [a]",
          "    clientSecret: { env: S }",
        ),
      ),
    ).toEqual([
      "4:20 profiles.exo.applicationId: conflicts with the module: module ExchangeOnline fixes it to a0c73c16-a7e3-4564-9a95-2bdf47383716; remove it",
      "5:13 profiles.exo.scopes: conflicts with the module: module ExchangeOnline fixes it to https://outlook.office365.com/.default; remove it",
      "6:19 profiles.exo.clientSecret: module ExchangeOnline signs in with a public client; remove clientSecret",
      "6:26 profiles.exo.clientSecret.env: environment variable S is not set",
    ]);
  });

  it("applicationId and scopes are required without a module", async () => {
    expect(await problems(lines("profiles:", "  pc:", "    tenant: t"))).toEqual([
      "2:3 profiles.pc.applicationId: is required (or a module such as ExchangeOnline)",
      "2:3 profiles.pc.scopes: is required (or a module such as ExchangeOnline)",
    ]);
  });

  it("client-credentials needs a credential, a real tenant and one /.default scope", async () => {
    expect(
      await problems(
        lines(
          "profiles:",
          "  app:",
          "    flow: client-credentials",
          "    applicationId: a",
          "    scopes: [User.Read, b]",
        ),
      ),
    ).toEqual([
      "2:3 profiles.app.tenant: client-credentials needs a tenant id or domain",
      "3:11 profiles.app.flow: client-credentials needs clientSecret or clientCertificate",
      '5:13 profiles.app.scopes: client-credentials takes one scope ending in "/.default", e.g. https://graph.microsoft.com/.default',
    ]);
    expect(
      await problems(
        lines(
          "profiles:",
          "  app:",
          "    flow: client-credentials",
          "    applicationId: a",
          "    clientSecret: { file: ./s }",
          "    tenant: organizations",
          "    scopes: [https://graph.microsoft.com/.default]",
        ),
        { s: "x" },
      ),
    ).toEqual(["6:13 profiles.app.tenant: client-credentials needs a tenant id or domain"]);
  });

  it("device-code consent needs a public client; secret and certificate together are refused", async () => {
    expect(
      await problems(
        lines(
          "profiles:",
          "  pc:",
          "    applicationId: a",
          "    scopes: [s]",
          "    consent: device-code",
          "    clientSecret: { file: ./s }",
          "    clientCertificate: { certificate: { file: ./c } }",
        ),
        { s: "x", c: "y" },
      ),
    ).toEqual([
      "5:14 profiles.pc.consent: device-code consent needs a public client (no clientSecret or clientCertificate); use authorization-code",
      "7:24 profiles.pc.clientCertificate: set either clientSecret or clientCertificate, not both",
    ]);
  });

  it("AzureGermanCloud is refused with the reason; AzurePPE and protocol need nothing else", async () => {
    expect(
      await problems(
        lines(
          "profiles:",
          "  pc:",
          "    applicationId: a",
          "    scopes: [s]",
          "    environment: AzureGermanCloud",
        ),
      ),
    ).toEqual([
      "5:18 profiles.pc.environment: AzureGermanCloud (Microsoft Cloud Deutschland) closed in October 2021; its tenants moved to AzureCloud",
    ]);
    expect(
      await problems(
        lines("profiles:", "  pc:", "    applicationId: a", "    scopes: [s]", "    protocol: oidc"),
      ),
    ).toEqual(["5:15 profiles.pc.protocol: only applies with `authority` (the identity provider's URL)"]);
    const { config } = await load(
      lines("profiles:", "  pc:", "    applicationId: a", "    scopes: [s]", "    environment: AzurePPE"),
    );
    expect(config.profiles.pc?.environment).toBe("AzurePPE");
  });

  it("a certificate's parts resolve by reference and the thumbprint is normalized", async () => {
    const { config } = await load(
      lines(
        "profiles:",
        "  app:",
        "    flow: client-credentials",
        "    applicationId: a",
        "    tenant: contoso.com",
        "    scopes: [https://graph.microsoft.com/.default]",
        "    clientCertificate:",
        "      certificate: { file: ./app.pem }",
        "      privateKey: { store: default, name: app-key }",
        '      thumbprint: "ab:cd ef"',
      ),
      { "app.pem": "PEM" },
    );
    const certificate = config.profiles.app?.clientCertificate;
    expect(certificate?.certificate.kind).toBe("value");
    expect(certificate?.privateKey).toEqual({
      kind: "store",
      store: "default",
      name: "app-key",
      configPath: "profiles.app.clientCertificate.privateKey",
    });
    expect(certificate?.thumbprint).toBe("ABCDEF");
  });
});
