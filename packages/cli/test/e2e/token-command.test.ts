import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AUTH_RESULT_KEYS,
  canary,
  createWorkspace,
  runPartnerd,
  storedToken,
  useFakeEntra,
} from "./harness.ts";

const fake = useFakeEntra();
const PC_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation";

const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("partnerd token <profile>", () => {
  it("prints only the access token on stdout, and persists the rotated refresh token like the daemon", async () => {
    const ws = await createWorkspace(fake.entra);
    const seeded = await storedToken(ws.secretsDir);
    const result = await runPartnerd(["token", "pc", "-c", ws.configPath], { stdoutIsResult: true });
    expect(result.code).toBe(0);
    const accessToken = result.stdout.trim();
    expect(accessToken.split(".")).toHaveLength(3);
    expect(result.stdout).toBe(`${accessToken}\n`);
    const stored = await storedToken(ws.secretsDir);
    expect(stored).not.toBe(seeded);
    expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
    expect(result.stderr).not.toContain(accessToken);
  });

  it("--json prints the cmdlet's AuthResult shape; RefreshToken only with --include-refresh-token", async () => {
    const ws = await createWorkspace(fake.entra);
    const plain = await runPartnerd(["token", "pc", "--json", "-c", ws.configPath], { stdoutIsResult: true });
    expect(plain.code).toBe(0);
    const authResult = JSON.parse(plain.stdout);
    expect(Object.keys(authResult)).toEqual(AUTH_RESULT_KEYS);
    expect(authResult).toMatchObject({
      IsExtendedLifeTimeToken: false,
      TenantId: fake.entra.tenantId,
      Scopes: [PC_SCOPE],
      Account: {
        Username: fake.entra.user.preferredUsername,
        HomeAccountId: { ObjectId: fake.entra.user.oid },
      },
    });
    expect(Date.parse(authResult.ExpiresOn)).toBeGreaterThan(Date.now());

    const withRefresh = await runPartnerd(
      ["token", "pc", "--json", "--include-refresh-token", "-c", ws.configPath],
      {
        stdoutIsResult: true,
      },
    );
    const { RefreshToken } = JSON.parse(withRefresh.stdout);
    expect(RefreshToken).toBe(await storedToken(ws.secretsDir));
    expect(Object.keys(JSON.parse(withRefresh.stdout))[0]).toBe("RefreshToken");
  });

  it("a client-credentials profile prints an app token; refresh only checks the credential", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      profileYaml: ({ clientId }) =>
        [
          "  app:",
          "    flow: client-credentials",
          `    applicationId: ${clientId}`,
          "    clientSecret: { file: ./client-secret }",
          `    authority: ${fake.entra.url}`,
          `    tenant: ${fake.entra.tenantId}`,
          "    scopes: [https://graph.microsoft.com/.default]",
        ].join("\n"),
    });
    const token = await runPartnerd(["token", "app", "--json", "-c", ws.configPath], {
      stdoutIsResult: true,
    });
    expect(token.code).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ Account: null, TenantId: fake.entra.tenantId });
    const refresh = await runPartnerd(["refresh", "app", "-c", ws.configPath]);
    expect(refresh.code).toBe(0);
    expect(refresh.logs.some((l) => l.msg === "app credential works; access token acquired")).toBe(true);
  });

  it("a profile that needs consent exits 1 without calling Entra again", async () => {
    const ws = await createWorkspace(fake.entra);
    fake.entra.expireRefreshToken((await storedToken(ws.secretsDir))!);
    expect((await runPartnerd(["token", "pc", "-c", ws.configPath])).code).toBe(1);
    const before = fake.entra.tokenRequests.length;
    const second = await runPartnerd(["token", "pc", "-c", ws.configPath]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr).toContain("needs a new consent");
    expect(fake.entra.tokenRequests.length).toBe(before);
  });
});

describe("partnerd token with New-PartnerAccessToken flags", () => {
  it("RefreshToken set: redeems a refresh token from stdin with a secret from a file", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const refreshToken = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    const args = [
      "token",
      "--application-id",
      ws.clientId,
      "--scopes",
      PC_SCOPE,
      "--authority",
      fake.entra.url,
    ];
    const creds = [
      "--client-secret-file",
      join(ws.dir, "client-secret"),
      "--ca-file",
      join(ws.dir, "ca.pem"),
    ];
    const result = await runPartnerd([...args, ...creds, "--refresh-token-file", "-"], {
      input: `${refreshToken}\n`,
      stdoutIsResult: true,
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split(".")).toHaveLength(3);
    expect(result.stderr).toContain("a refresh token was issued and is not shown");
    expect(fake.entra.isValidRefreshToken(refreshToken)).toBe(false);

    const rotated = fake.entra.validRefreshTokens(ws.clientId)[0]!;
    const json = await runPartnerd(
      [...args, ...creds, "--refresh-token-file", "-", "--json", "--include-refresh-token"],
      {
        input: rotated,
        stdoutIsResult: true,
      },
    );
    expect(json.code).toBe(0);
    const { RefreshToken } = JSON.parse(json.stdout);
    expect(fake.entra.isValidRefreshToken(RefreshToken)).toBe(true);
  });

  it("ServicePrincipal set: client credentials with a secret", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const result = await runPartnerd(
      [
        "token",
        "--application-id",
        ws.clientId,
        "--scopes",
        "https://graph.microsoft.com/.default",
        "--tenant",
        fake.entra.tenantId,
        "--service-principal",
        "--client-secret-file",
        join(ws.dir, "client-secret"),
        "--authority",
        fake.entra.url,
        "--ca-file",
        join(ws.dir, "ca.pem"),
        "--json",
      ],
      { stdoutIsResult: true },
    );
    expect(result.code).toBe(0);
    const authResult = JSON.parse(result.stdout);
    expect(authResult).toMatchObject({
      Account: null,
      UniqueId: null,
      Scopes: ["https://graph.microsoft.com/.default"],
    });
    expect("RefreshToken" in authResult).toBe(false);
  });

  it("takes the Azure spellings --client-id and --tenant-id; both spellings with different values is a usage error", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const args = (...identity: string[]) => [
      "token",
      ...identity,
      "--scopes",
      "https://graph.microsoft.com/.default",
      "--service-principal",
      "--client-secret-file",
      join(ws.dir, "client-secret"),
      "--authority",
      fake.entra.url,
      "--ca-file",
      join(ws.dir, "ca.pem"),
      "--json",
    ];
    const result = await runPartnerd(args("--client-id", ws.clientId, "--tenant-id", fake.entra.tenantId), {
      stdoutIsResult: true,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ TenantId: fake.entra.tenantId });
    expect(fake.entra.tokenRequests.at(-1)).toMatchObject({ clientId: ws.clientId });

    const both = await runPartnerd(
      args("--client-id", ws.clientId, "--application-id", "another", "--tenant", fake.entra.tenantId),
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--client-id and --application-id name the same thing; give one of them");
  });

  it("AccessToken set: describes a token from stdin without any network call", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = jwt({
      tid: "tenant-1",
      scp: "user_impersonation",
      exp,
      upn: "a@contoso.com",
      oid: "oid-1",
    });
    const plain = await runPartnerd(["token", "--access-token", "-"], { input: token, stdoutIsResult: true });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(
      `tenant: tenant-1\nscopes: user_impersonation\nexpires: ${new Date(exp * 1000).toISOString()}\n`,
    );
    const json = await runPartnerd(["token", "--access-token", "-", "--json"], {
      input: token,
      stdoutIsResult: true,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      AccessToken: token,
      TenantId: "tenant-1",
      Scopes: ["user_impersonation"],
      UniqueId: null,
      IdToken: null,
      CorrelationId: "00000000-0000-0000-0000-000000000000",
      Account: { Username: "a@contoso.com", HomeAccountId: { Identifier: "oid-1.tenant-1" } },
    });
  });

  it.concurrent.each([
    [
      "an expired access token",
      ["--access-token", "-"],
      jwt({ tid: "t", exp: 1_000_000 }),
      /the access token expired at 1970-01-12T13:46:40.000Z; generate a new one and try again/,
    ],
    ["a malformed access token", ["--access-token", "-"], "not-a-jwt", /the access token is not a JWT/],
    [
      "two secrets from stdin",
      ["--access-token", "-", "--refresh-token-file", "-"],
      "x",
      /only one of the --…-file flags can read standard input/,
    ],
    ["no application id", ["--scopes", "s"], undefined, /--application-id is required/],
    [
      "AzureGermanCloud",
      ["--application-id", "a", "--scopes", "s", "--environment", "AzureGermanCloud"],
      undefined,
      /closed in October 2021/,
    ],
    [
      "a module with a conflicting app id",
      ["--module", "ExchangeOnline", "--application-id", "x"],
      undefined,
      /conflicts with --module ExchangeOnline/,
    ],
    [
      "device code with a secret",
      [
        "--use-device-authentication",
        "--application-id",
        "a",
        "--scopes",
        "s",
        "--client-secret-file",
        "/dev/null",
      ],
      undefined,
      /device code needs a public client/,
    ],
    [
      "profile plus flags",
      ["pc", "--application-id", "a"],
      undefined,
      /--application-id describe an ad-hoc request/,
    ],
  ])("%s is a usage error (exit 2)", async (_name, flags, input, message) => {
    const result = await runPartnerd(["token", ...flags], input === undefined ? {} : { input });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });
});
