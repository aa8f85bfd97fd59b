import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppCredential,
  createHttpTransport,
  createIdentityClient,
  type HttpTransport,
  type PartnerdConfig,
  parseConfig,
  RefreshError,
  Secret,
  silentLogger,
} from "@partnerd/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeEntraNetworkClient, type FakeEntraNetworkClient } from "../src/fake-entra/index.ts";
import { StrictOidcProvider } from "../src/oidc-provider/index.ts";

let idp: StrictOidcProvider;
let dir: string;
let https: FakeEntraNetworkClient;

beforeAll(async () => {
  idp = await StrictOidcProvider.start();
  dir = await mkdtemp(join(tmpdir(), "partnerd-oidc-"));
  https = createFakeEntraNetworkClient({ ca: idp.caPem });
});

afterAll(async () => {
  https.destroy();
  await idp.close();
  await rm(dir, { recursive: true, force: true });
});

/** A refresh_token grant request as any OAuth client sends it, over plain HTTPS. */
function redeemRaw(refreshToken: string) {
  return https.sendPostRequestAsync<Record<string, unknown>>(`${idp.issuer}/token`, {
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: idp.clientId,
      client_secret: idp.clientSecret ?? "",
    }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
}

describe("oidc-provider with rotateRefreshToken (plain HTTPS)", () => {
  it("rotates every refresh token and revokes the grant when a consumed one comes back", async () => {
    const discovery = await https.sendGetRequestAsync<Record<string, unknown>>(
      `${idp.issuer}/.well-known/openid-configuration`,
    );
    expect(discovery.body).toMatchObject({ issuer: idp.issuer, token_endpoint: `${idp.issuer}/token` });

    const rt0 = await idp.seed();
    expect(await idp.isGrantAlive(rt0)).toBe(true);
    expect(idp.newestRefreshToken(rt0)).toBe(rt0);
    const before = idp.tokenRequestCount;

    const first = await redeemRaw(rt0);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      token_type: "Bearer",
      scope: expect.stringContaining("offline_access"),
    });
    const rt1 = String(first.body.refresh_token);
    expect(rt1).not.toBe(rt0);
    expect(first.body.id_token).toEqual(expect.any(String));
    const second = await redeemRaw(rt1);
    expect(second.status).toBe(200);
    const rt2 = String(second.body.refresh_token);
    expect(idp.newestRefreshToken(rt0)).toBe(rt2);
    expect(await idp.isGrantAlive(rt2)).toBe(true);

    const reuse = await redeemRaw(rt0);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: "invalid_grant", error_description: "grant request is invalid" });
    expect(await idp.isGrantAlive(rt2)).toBe(false);
    // The newest token, never presented before, died with its grant.
    const newest = await redeemRaw(rt2);
    expect(newest.status).toBe(400);
    expect(newest.body).toMatchObject({ error: "invalid_grant" });

    expect([rt0, rt1, rt2].map((rt) => idp.presentationCount(rt))).toEqual([2, 1, 1]);
    expect(idp.reusedRefreshTokens()).toEqual([rt0]);
    expect(idp.tokenRequestCount - before).toBe(4);
  });
});

/** A profile as a user writes it for a generic OIDC provider, parsed by partnerd's own config loader. */
async function profileFor(provider: StrictOidcProvider): Promise<PartnerdConfig> {
  const caFile = join(dir, "oidc-ca.pem");
  await provider.writeCaFile(caFile);
  const result = await parseConfig(
    [
      "network:",
      `  caFile: ${caFile}`,
      "profiles:",
      "  pc:",
      `    applicationId: ${provider.clientId}`,
      ...(provider.clientSecret === undefined ? [] : ["    clientSecret: { env: OIDC_CLIENT_SECRET }"]),
      `    authority: ${provider.issuer}`,
      "    protocol: oidc",
      `    scopes: [${provider.scope}]`,
    ].join("\n"),
    { file: join(dir, "partnerd.yaml"), env: { OIDC_CLIENT_SECRET: provider.clientSecret ?? "" } },
  );
  expect(result.errors).toBeUndefined();
  return result.config!;
}

describe("partnerd core's identity client against oidc-provider", () => {
  let config: PartnerdConfig;
  let transport: HttpTransport;

  beforeAll(async () => {
    config = await profileFor(idp);
    transport = createHttpTransport({ extraCaPem: idp.caPem, timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await transport?.close();
  });

  function credential(): AppCredential {
    const source = config.profiles.pc!.clientSecret;
    if (source?.kind !== "value") throw new Error("expected the client secret to be read from the env");
    return { kind: "secret", secret: source.secret };
  }

  it("redeems twice in sequence with rotation; replaying the first token is terminal and kills the grant", async () => {
    const identity = createIdentityClient(transport, silentLogger);
    const profile = config.profiles.pc!;
    const rt0 = await idp.seed();

    const first = await identity.redeem(profile, credential(), new Secret(rt0));
    const rt1 = first.refreshToken?.reveal();
    expect(rt1).toBe(idp.newestRefreshToken(rt0));
    expect(rt1).not.toBe(rt0);
    expect(first.account).toMatchObject({
      homeAccountId: idp.user.sub,
      username: idp.user.preferredUsername,
    });
    expect(first.accessToken.reveal()).not.toBe("");
    expect(first.expiresOn.getTime()).toBeGreaterThan(Date.now());

    const second = await identity.redeem(profile, credential(), new Secret(rt1!));
    const rt2 = second.refreshToken?.reveal();
    expect(rt2).toBe(idp.newestRefreshToken(rt0));
    expect(rt2).not.toBe(rt1);
    expect(await idp.isGrantAlive(rt2!)).toBe(true);
    expect([rt0, rt1!, rt2!].map((rt) => idp.presentationCount(rt))).toEqual([1, 1, 0]);

    const replay = await identity.redeem(profile, credential(), new Secret(rt1!)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(replay).toBeInstanceOf(RefreshError);
    expect(replay).toMatchObject({ kind: "terminal" });
    expect(await idp.isGrantAlive(rt2!)).toBe(false);
  });

  it("a public client (no secret) redeems and rotates too", async () => {
    const publicIdp = await StrictOidcProvider.start({ client: "public" });
    const publicTransport = createHttpTransport({ extraCaPem: publicIdp.caPem, timeoutMs: 10_000 });
    try {
      const profile = (await profileFor(publicIdp)).profiles.pc!;
      expect(profile.clientSecret).toBeUndefined();
      const rt0 = await publicIdp.seed();
      const result = await createIdentityClient(publicTransport, silentLogger).redeem(
        profile,
        undefined,
        new Secret(rt0),
      );
      expect(result.refreshToken?.reveal()).toBe(publicIdp.newestRefreshToken(rt0));
      expect(result.refreshToken?.reveal()).not.toBe(rt0);
      expect(await publicIdp.isGrantAlive(rt0)).toBe(true);
    } finally {
      await publicTransport.close();
      await publicIdp.close();
    }
  });
});
