import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestCertificate } from "@partnerd/testkit";
import { describe, expect, it } from "vitest";
import { createWorkspace, runPartnerd, storedToken, useFakeEntra, type Workspace } from "./harness.ts";

const fake = useFakeEntra();

async function certificateWorkspace(
  options: { thumbprint?: string; registered?: string } = {},
): Promise<Workspace> {
  const certificate = await createTestCertificate({ commonName: "partnerd-app" });
  const ws = await createWorkspace(fake.entra, {
    seed: false,
    confidential: false,
    profileYaml: ({ clientId }) =>
      [
        "  app:",
        "    flow: client-credentials",
        `    applicationId: ${clientId}`,
        "    clientCertificate:",
        "      certificate: { file: ./app.crt }",
        "      privateKey: { file: ./app.key }",
        ...(options.thumbprint
          ? [
              `      thumbprint: "${options.thumbprint === "own" ? certificate.thumbprintSha1 : options.thumbprint}"`,
            ]
          : []),
        `    authority: ${fake.entra.url}`,
        `    tenant: ${fake.entra.tenantId}`,
        "    scopes: [https://graph.microsoft.com/.default]",
      ].join("\n"),
  });
  fake.entra.registerClient({
    clientId: ws.clientId,
    certificatePem: options.registered ?? certificate.certificatePem,
  });
  await writeFile(join(ws.dir, "app.crt"), certificate.certificatePem);
  await writeFile(join(ws.dir, "app.key"), certificate.privateKeyPem, { mode: 0o600 });
  return ws;
}

describe("client certificate (the ServicePrincipalCertificate set)", () => {
  it("signs a client assertion (PS256, x5t#S256, x5c) that Entra accepts", async () => {
    const ws = await certificateWorkspace({ thumbprint: "own" });
    const result = await runPartnerd(["token", "app", "--json", "-c", ws.configPath], {
      stdoutIsResult: true,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ TenantId: fake.entra.tenantId, Account: null });
    expect(fake.entra.tokenRequests.at(-1)).toMatchObject({
      grantType: "client_credentials",
      clientAuth: "assertion",
      x5c: true,
    });
  });

  it("a certificate Entra does not know is a terminal AADSTS700027, not retried", async () => {
    const other = await createTestCertificate({ commonName: "someone-else" });
    const ws = await certificateWorkspace({ registered: other.certificatePem });
    const before = fake.entra.tokenRequests.length;
    const result = await runPartnerd(["token", "app", "-c", ws.configPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("AADSTS700027");
    expect(fake.entra.tokenRequests.length - before).toBe(1);
  });

  it("a thumbprint that is not the loaded certificate's is refused before any request", async () => {
    const ws = await certificateWorkspace({ thumbprint: "00112233445566778899AABBCCDDEEFF00112233" });
    const before = fake.entra.tokenRequests.length;
    const result = await runPartnerd(["token", "app", "-c", ws.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /profiles\.app\.clientCertificate: thumbprint 00112233445566778899AABBCCDDEEFF00112233 was expected but the certificate's is [0-9A-F]{40} \(SHA-1\)/,
    );
    expect(fake.entra.tokenRequests.length).toBe(before);
  });

  it("a private key that belongs to another certificate is refused (exit 2)", async () => {
    const ws = await certificateWorkspace();
    const other = await createTestCertificate();
    await writeFile(join(ws.dir, "app.key"), other.privateKeyPem, { mode: 0o600 });
    const result = await runPartnerd(["token", "app", "-c", ws.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the private key does not belong to the certificate");
  });

  it("ad-hoc: --certificate-file with --certificate-thumbprint, like -CertificateThumbprint", async () => {
    const certificate = await createTestCertificate();
    const ws = await createWorkspace(fake.entra, { seed: false, confidential: false });
    fake.entra.registerClient({ clientId: ws.clientId, certificatePem: certificate.certificatePem });
    const pem = join(ws.dir, "both.pem");
    await writeFile(pem, `${certificate.certificatePem}\n${certificate.privateKeyPem}`, { mode: 0o600 });
    const result = await runPartnerd(
      [
        "token",
        "--service-principal",
        "--application-id",
        ws.clientId,
        "--scopes",
        "https://graph.microsoft.com/.default",
        "--tenant",
        fake.entra.tenantId,
        "--certificate-file",
        pem,
        "--certificate-thumbprint",
        certificate.thumbprintSha256.toLowerCase(),
        "--authority",
        fake.entra.url,
        "--ca-file",
        join(ws.dir, "ca.pem"),
      ],
      { stdoutIsResult: true },
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split(".")).toHaveLength(3);
  });
});

describe("refresh-token upkeep through a certificate-authenticated confidential client", () => {
  it("redeems with a client assertion and rotates", async () => {
    const certificate = await createTestCertificate();
    const ws = await createWorkspace(fake.entra, {
      confidential: false,
      profileYaml: ({ clientId }) =>
        [
          "  pc:",
          `    applicationId: ${clientId}`,
          "    clientCertificate: { certificate: { file: ./app.pem } }",
          `    authority: ${fake.entra.url}`,
          "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
        ].join("\n"),
    });
    fake.entra.registerClient({ clientId: ws.clientId, certificatePem: certificate.certificatePem });
    await writeFile(join(ws.dir, "app.pem"), `${certificate.certificatePem}\n${certificate.privateKeyPem}`, {
      mode: 0o600,
    });
    const seeded = await storedToken(ws.secretsDir);
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    expect(fake.entra.tokenRequests.at(-1)).toMatchObject({
      grantType: "refresh_token",
      clientAuth: "assertion",
    });
    expect(await storedToken(ws.secretsDir)).not.toBe(seeded);
  });
});

describe("generic OIDC authority (protocol: oidc)", () => {
  it("redeems and rotates against an OpenID Connect provider without Entra extensions", async () => {
    fake.entra.oidc = true;
    try {
      const ws = await createWorkspace(fake.entra, {
        profileYaml: ({ clientId }) =>
          [
            "  pc:",
            `    applicationId: ${clientId}`,
            "    clientSecret: { file: ./client-secret }",
            `    authority: ${fake.entra.url}/${fake.entra.tenantId}/v2.0`,
            "    protocol: oidc",
            "    scopes: [api://partner/read]",
          ].join("\n"),
      });
      const seeded = await storedToken(ws.secretsDir);
      const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
      expect(result.code).toBe(0);
      const stored = await storedToken(ws.secretsDir);
      expect(stored).not.toBe(seeded);
      expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
    } finally {
      fake.entra.oidc = false;
    }
  });
});
