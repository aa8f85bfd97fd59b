import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfidentialClientApplication,
  type JsonCache,
  PublicClientApplication,
  ServerError,
} from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeEntraNetworkClient,
  decodeJwtPayload,
  FakeEntra,
  type FakeEntraNetworkClient,
  type MsalNetworkResponse,
} from "../src/fake-entra/index.ts";

const SCOPES = ["https://api.partnercenter.microsoft.com/user_impersonation"];
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TS = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ";

let entra: FakeEntra;
const networkClients: FakeEntraNetworkClient[] = [];

function net(e: FakeEntra = entra): FakeEntraNetworkClient {
  const client = createFakeEntraNetworkClient({ ca: e.caPem });
  networkClients.push(client);
  return client;
}

function confidentialApp(opts: { e?: FakeEntra; tenant?: string; secret?: string } = {}) {
  const e = opts.e ?? entra;
  const clientId = randomUUID();
  const clientSecret = `SECRET-CANARY-${randomUUID()}`;
  e.registerClient({ clientId, clientSecret });
  const cca = (secret = opts.secret ?? clientSecret) =>
    new ConfidentialClientApplication({
      auth: {
        clientId,
        clientSecret: secret,
        authority: e.authority(opts.tenant),
        knownAuthorities: [e.host],
      },
      system: { networkClient: net(e) },
    });
  return { clientId, clientSecret, cca };
}

/** The RT msal cached for this client + account (field-based, never key-based). */
function cachedRefreshToken(serialized: string, clientId: string, homeAccountId: string): string {
  const cache = JSON.parse(serialized) as JsonCache;
  const rts = Object.values(cache.RefreshToken ?? {}).filter(
    (rt) => rt.client_id === clientId && rt.home_account_id === homeAccountId,
  );
  expect(rts).toHaveLength(1);
  return rts[0]!.secret;
}

/** The error code of a TCP connect to 127.0.0.1:port, or "connected". */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

async function rejection(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ServerError);
    return e as ServerError;
  }
  throw new Error("expected the promise to reject");
}

/** Raw token POST through the CA-trusting client (same code msal uses). */
function postToken(
  form: Record<string, string>,
  tenant = "organizations",
  headers: Record<string, string> = {},
) {
  return net().sendPostRequestAsync<Record<string, unknown>>(entra.tokenEndpoint(tenant), {
    body: new URLSearchParams(form).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  });
}

beforeAll(async () => {
  entra = await FakeEntra.start();
});

afterAll(async () => {
  for (const c of networkClients) c.destroy();
  await entra.close();
});

describe("FakeEntra with the real msal-node", () => {
  it("confidential client: redeems, rotates (single-use) and msal caches the new RT", async () => {
    const { clientId, cca } = confidentialApp();
    const rt0 = entra.issueRefreshToken({ clientId, value: `RT-CANARY-${randomUUID()}` });
    const app = cca();
    const before = entra.redemptionCount;

    const res = await app.acquireTokenByRefreshToken({ refreshToken: rt0, scopes: SCOPES, forceCache: true });
    expect(res).not.toBeNull();
    const homeAccountId = `${entra.user.oid}.${entra.tenantId}`;
    expect(res!.account?.homeAccountId).toBe(homeAccountId);
    expect(res!.account?.username).toBe(entra.user.preferredUsername);
    expect(res!.tenantId).toBe(entra.tenantId);
    expect(res!.scopes).toEqual(SCOPES);
    const at = decodeJwtPayload(res!.accessToken);
    expect(at).toMatchObject({
      aud: "https://api.partnercenter.microsoft.com",
      scp: "user_impersonation",
      tid: entra.tenantId,
      oid: entra.user.oid,
      upn: entra.user.preferredUsername,
      iss: `${entra.url}/${entra.tenantId}/v2.0`,
    });
    expect(res!.idTokenClaims).toMatchObject({ aud: clientId, ver: "2.0", tid: entra.tenantId });
    expect(res!.idTokenClaims).not.toHaveProperty("nonce");

    const rt1 = cachedRefreshToken(app.getTokenCache().serialize(), clientId, homeAccountId);
    expect(rt1).not.toBe(rt0);
    expect(rt1).toMatch(/^0\.AX[A-Za-z0-9_-]{100,}$/);
    expect(entra.isValidRefreshToken(rt1)).toBe(true);
    expect(entra.refreshTokenState(rt0)).toBe("spent");
    expect(entra.validRefreshTokens(clientId)).toEqual([rt1]);
    expect(entra.redemptionCount).toBe(before + 1);

    // acquireTokenSilent(forceRefresh) redeems the cached RT and msal stores the next one.
    const silent = await app.acquireTokenSilent({
      account: res!.account!,
      scopes: SCOPES,
      forceRefresh: true,
    });
    expect(silent.fromCache).toBe(false);
    const rt2 = cachedRefreshToken(app.getTokenCache().serialize(), clientId, homeAccountId);
    expect(rt2).not.toBe(rt1);
    expect(entra.validRefreshTokens(clientId)).toEqual([rt2]);

    // The spent RT now fails like a revoked one.
    const err = await rejection(cca().acquireTokenByRefreshToken({ refreshToken: rt0, scopes: SCOPES }));
    expect(err.errorCode).toBe("invalid_grant");
    expect(String(err.errorNo)).toBe("70008");
    expect(err.message).toContain(
      "AADSTS70008: The provided authorization code or refresh token has expired",
    );

    const log = entra.tokenRequests.filter((r) => r.clientId === clientId);
    expect(log.map((r) => [r.grantType, r.tenant, r.status])).toEqual([
      ["refresh_token", "organizations", 200],
      ["refresh_token", "organizations", 200],
      ["refresh_token", "organizations", 400],
    ]);
    expect(log[2]).toMatchObject({ error: "invalid_grant", errorCode: 70008 });
    expect(JSON.stringify(entra.tokenRequests)).not.toMatch(/CANARY|0\.AX/);
  });

  it("keep-old rotation leaves the presented RT valid, like real Entra", async () => {
    const e = await FakeEntra.start({
      rotation: "keep-old",
      tenantId: "8c3dad1d-b6bc-4f8b-939b-8263372eced6",
    });
    try {
      expect(e.tenantId).toBe("8c3dad1d-b6bc-4f8b-939b-8263372eced6");
      const { clientId, cca } = confidentialApp({ e });
      const rt0 = e.issueRefreshToken({ clientId });
      const app = cca();
      await app.acquireTokenByRefreshToken({ refreshToken: rt0, scopes: SCOPES, forceCache: true });
      const rt1 = cachedRefreshToken(
        app.getTokenCache().serialize(),
        clientId,
        `${e.user.oid}.${e.tenantId}`,
      );
      expect(e.isValidRefreshToken(rt0)).toBe(true);
      expect(e.isValidRefreshToken(rt1)).toBe(true);
      await cca().acquireTokenByRefreshToken({ refreshToken: rt0, scopes: SCOPES });
      expect(e.redemptionCount).toBe(2);
      expect(e.validRefreshTokens(clientId)).toHaveLength(3);
    } finally {
      await e.close();
    }
  });

  it("public client redeems without a secret", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId });
    const rt = entra.issueRefreshToken({ clientId, scopes: ["User.Read"] });
    const pca = new PublicClientApplication({
      auth: { clientId, authority: entra.authority("common"), knownAuthorities: [entra.host] },
      system: { networkClient: net() },
    });
    const res = await pca.acquireTokenByRefreshToken({
      refreshToken: rt,
      scopes: ["User.Read"],
      forceCache: true,
    });
    expect(res!.account?.homeAccountId).toBe(`${entra.user.oid}.${entra.tenantId}`);
    expect(decodeJwtPayload(res!.accessToken)).toMatchObject({ aud: "00000003-0000-0000-c000-000000000000" });
    const rt1 = cachedRefreshToken(pca.getTokenCache().serialize(), clientId, res!.account!.homeAccountId);
    expect(entra.validRefreshTokens(clientId)).toEqual([rt1]);
    expect(entra.tokenRequests.at(-1)).toMatchObject({ clientId, tenant: "common", status: 200 });
  });

  it("wrong client secret → invalid_client AADSTS7000215, nothing rotates", async () => {
    const { clientId, cca } = confidentialApp();
    const rt = entra.issueRefreshToken({ clientId });
    const wrong = `WRONG-SECRET-${randomUUID()}`;
    const err = await rejection(cca(wrong).acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES }));
    expect(err.errorCode).toBe("invalid_client");
    expect(String(err.errorNo)).toBe("7000215");
    expect(err.message).toContain("AADSTS7000215: Invalid client secret provided.");
    expect(err.message).not.toContain(wrong);
    expect(entra.isValidRefreshToken(rt)).toBe(true);
  });

  it("expired RT → ServerError invalid_grant 700082; revoked → 70008; unknown app → 700016", async () => {
    const { clientId, cca } = confidentialApp();
    const expired = entra.issueRefreshToken({ clientId, value: `RT-CANARY-${randomUUID()}` });
    entra.expireRefreshToken(expired);
    const e1 = await rejection(cca().acquireTokenByRefreshToken({ refreshToken: expired, scopes: SCOPES }));
    expect(e1.errorCode).toBe("invalid_grant");
    expect(String(e1.errorNo)).toBe("700082");
    expect(e1.message).toMatch(
      /AADSTS700082: The refresh token has expired due to inactivity\. The token was issued on \d{4}-\d\d-\d\dT[\d:.]+Z and was inactive for 90\.00:00:00\./,
    );
    expect(e1.message).not.toContain(expired);

    const revoked = entra.issueRefreshToken({ clientId });
    entra.revokeRefreshToken(revoked);
    expect(entra.refreshTokenState(revoked)).toBe("revoked");
    const e2 = await rejection(cca().acquireTokenByRefreshToken({ refreshToken: revoked, scopes: SCOPES }));
    expect([e2.errorCode, String(e2.errorNo)]).toEqual(["invalid_grant", "70008"]);

    const stranger = new ConfidentialClientApplication({
      auth: {
        clientId: randomUUID(),
        clientSecret: "x",
        authority: entra.authority(),
        knownAuthorities: [entra.host],
      },
      system: { networkClient: net() },
    });
    const e3 = await rejection(
      stranger.acquireTokenByRefreshToken({ refreshToken: revoked, scopes: SCOPES }),
    );
    expect([e3.errorCode, String(e3.errorNo)]).toEqual(["unauthorized_client", "700016"]);

    const e4 = await rejection(
      cca().acquireTokenByRefreshToken({ refreshToken: "not-a-token", scopes: SCOPES }),
    );
    expect([e4.errorCode, String(e4.errorNo)]).toEqual(["invalid_grant", "9002313"]);
  });

  it("429 with Retry-After: ServerError, msal throttles locally for Retry-After s, nothing rotates", async () => {
    const { clientId, cca } = confidentialApp();
    const rt = entra.issueRefreshToken({ clientId });
    const app = cca();
    const redemptions = entra.redemptionCount;
    entra.failNext(1, { status: 429, retryAfterSeconds: 7 });

    const e1 = await rejection(app.acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES }));
    expect(e1.errorCode).toBe("temporarily_unavailable");
    expect(e1.errorNo).toBe(90055); // a number at runtime although typed string
    expect(e1.status).toBeUndefined(); // msal does not copy the HTTP status for the RT grant
    expect(entra.tokenRequests.at(-1)).toMatchObject({ clientId, status: 429, errorCode: 90055 });
    expect(entra.isValidRefreshToken(rt)).toBe(true);
    expect(entra.validRefreshTokens(clientId)).toEqual([rt]);
    expect(entra.redemptionCount).toBe(redemptions);

    // Retry-After is not on the error; msal turns it into an in-memory throttle entry.
    const kv = app.getTokenCache().getKVStore() as Record<string, unknown>;
    const throttle = Object.entries(kv).find(([k]) => k.startsWith("throttling."))?.[1] as {
      throttleTime: number;
    };
    expect(throttle.throttleTime - Date.now()).toBeGreaterThan(5_000);
    expect(throttle.throttleTime - Date.now()).toBeLessThanOrEqual(7_000);

    // Same app, same request shape: rejected locally, no network call, errorCode = AADSTS number.
    const count = entra.tokenRequests.length;
    const e2 = await rejection(app.acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES }));
    expect(e2.errorCode).toBe("90055");
    expect(e2.errorNo).toBeUndefined();
    expect(entra.tokenRequests.length).toBe(count);

    // A fresh app instance is not throttled, and the RT still works.
    await cca().acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES });
    expect(entra.refreshTokenState(rt)).toBe("spent");
  });

  it("injected 5xx: Entra-like body, Retry-After header, queued failures", async () => {
    const { clientId, clientSecret } = confidentialApp();
    const rt = entra.issueRefreshToken({ clientId });
    const form = {
      grant_type: "refresh_token",
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: rt,
      scope: SCOPES.join(" "),
    };
    entra.failNext(1, { status: 503, retryAfterSeconds: 3 });
    entra.failNext(1, { status: 500 });
    const r1 = await postToken(form);
    expect(r1.status).toBe(503);
    expect(r1.headers["retry-after"]).toBe("3");
    expect(r1.body).toMatchObject({ error: "temporarily_unavailable", error_codes: [90033] });
    const r2 = await postToken(form);
    expect(r2.status).toBe(500);
    expect(r2.headers["retry-after"]).toBeUndefined();
    expect(r2.body).toMatchObject({ error: "server_error", error_codes: [50033] });
    expect(entra.isValidRefreshToken(rt)).toBe(true);
    const r3 = await postToken(form);
    expect(r3.status).toBe(200);
    expect(Object.keys(r3.body)).toEqual([
      "token_type",
      "scope",
      "expires_in",
      "ext_expires_in",
      "access_token",
      "refresh_token",
      "refresh_token_expires_in",
    ]);
    expect(r3.body).toMatchObject({
      token_type: "Bearer",
      scope: SCOPES[0],
      expires_in: 3599,
      ext_expires_in: 3599,
    });
  });

  it("error bodies are Entra-shaped and never echo tokens or secrets", async () => {
    const { clientId, clientSecret } = confidentialApp();
    const rt = entra.issueRefreshToken({ clientId, value: `RT-CANARY-${randomUUID()}` });
    entra.expireRefreshToken(rt);
    const correlationId = randomUUID();
    const r = await postToken(
      {
        grant_type: "refresh_token",
        client_id: clientId,
        client_secret: clientSecret,
        refresh_token: rt,
        scope: "openid",
      },
      entra.tenantId,
      { "client-request-id": correlationId },
    );
    expect(r.status).toBe(400);
    expect(Object.keys(r.body)).toEqual([
      "error",
      "error_description",
      "error_codes",
      "timestamp",
      "trace_id",
      "correlation_id",
      "error_uri",
    ]);
    expect(r.body.error).toBe("invalid_grant");
    expect(r.body.error_description).toMatch(
      new RegExp(
        `^AADSTS700082: The refresh token has expired due to inactivity\\. The token was issued on \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z and was inactive for 90\\.00:00:00\\. Trace ID: ${UUID} Correlation ID: ${correlationId} Timestamp: ${TS}$`,
      ),
    );
    expect(r.body.error_codes).toEqual([700082]);
    expect(r.body.timestamp).toMatch(new RegExp(`^${TS}$`));
    expect(r.body.trace_id).toMatch(new RegExp(`^${UUID}$`));
    expect(r.body.correlation_id).toBe(correlationId);
    expect(r.body.error_uri).toBe(`${entra.url}/error?code=700082`);
    expect(r.headers["client-request-id"]).toBe(correlationId);

    const wrong = `WRONG-${randomUUID()}`;
    const bad = await postToken({
      grant_type: "refresh_token",
      client_id: clientId,
      client_secret: wrong,
      refresh_token: rt,
      scope: "openid",
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: "invalid_client", error_codes: [7000215] });
    for (const body of [JSON.stringify(r.body), JSON.stringify(bad.body)]) {
      expect(body).not.toContain(rt);
      expect(body).not.toContain(clientSecret);
      expect(body).not.toContain(wrong);
    }

    const publicId = randomUUID();
    entra.registerClient({ clientId: publicId });
    const pub = await postToken({
      grant_type: "client_credentials",
      client_id: publicId,
      scope: "https://graph.microsoft.com/.default",
    });
    expect(pub.body).toMatchObject({ error: "invalid_client", error_codes: [7000218] });
    const unsupported = await postToken({ grant_type: "password", client_id: publicId });
    expect(unsupported.body).toMatchObject({ error: "unsupported_grant_type", error_codes: [70003] });
  });

  it("hold(): parks the next token request until release()", async () => {
    const { clientId, cca } = confidentialApp();
    const rt = entra.issueRefreshToken({ clientId });
    const held = entra.hold();
    let settled = false;
    const pending = cca().acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES, forceCache: true });
    void pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    await held.arrived;
    // A full round trip on the same server after the parked request arrived: had it not been parked, it
    // would have been processed (it needs no further I/O) before this one is even read.
    const probe = await net().sendGetRequestAsync(
      `${entra.url}/organizations/v2.0/.well-known/openid-configuration`,
    );
    expect(probe.status).toBe(200);
    expect(entra.isValidRefreshToken(rt)).toBe(true);
    expect(entra.tokenRequests.filter((r) => r.clientId === clientId)).toEqual([]);
    expect(settled).toBe(false);
    held.release();
    await expect(pending).resolves.toBeTruthy();
    expect(entra.refreshTokenState(rt)).toBe("spent");
    expect(entra.tokenRequests.filter((r) => r.clientId === clientId)).toMatchObject([{ status: 200 }]);
  });

  it("close() aborts a held request unprocessed and stops accepting connections", async () => {
    const e = await FakeEntra.start();
    const { clientId, cca } = confidentialApp({ e });
    const rt = e.issueRefreshToken({ clientId });
    const held = e.hold();
    const pending = cca().acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES });
    await held.arrived;
    await e.close(); // resolves although a request is parked: nothing is left hanging
    await expect(pending).rejects.toMatchObject({ errorCode: "network_error" });
    expect(e.isValidRefreshToken(rt)).toBe(true);
    expect(e.tokenRequests).toEqual([]);
    expect(await connectError(e.port)).toBe("ECONNREFUSED");
    held.release(); // too late: the request was dropped, not processed
    await new Promise((resolve) => setImmediate(resolve));
    expect(e.isValidRefreshToken(rt)).toBe(true);
    expect(e.tokenRequests).toEqual([]);
    await e.close(); // idempotent
  });

  it("latencyMs delays responses", async () => {
    const { clientId, cca } = confidentialApp();
    const rt = entra.issueRefreshToken({ clientId });
    const app = cca();
    entra.latencyMs = 100;
    try {
      await app.acquireTokenByRefreshToken({ refreshToken: rt, scopes: SCOPES });
    } finally {
      entra.latencyMs = 0;
    }
    // The fake's own record, not the client's clock: the request was read (receivedAt) and taken up (at)
    // 100 ms apart; without the delay they are ~0 ms apart. The margin absorbs timer/clock granularity.
    const [record] = entra.tokenRequests.filter((r) => r.clientId === clientId);
    expect(record).toMatchObject({ grantType: "refresh_token", status: 200 });
    expect(record!.at.getTime() - record!.receivedAt.getTime()).toBeGreaterThanOrEqual(90);
    expect(() => {
      entra.latencyMs = -1;
    }).toThrow(/latencyMs/);
  });

  it("client_credentials: app-only token, cached by msal, no RT/id_token", async () => {
    const { clientId, cca } = confidentialApp({ tenant: entra.tenantId });
    const app = cca();
    const scopes = ["https://graph.microsoft.com/.default"];
    const r1 = await app.acquireTokenByClientCredential({ scopes });
    expect(r1!.fromCache).toBe(false);
    expect(decodeJwtPayload(r1!.accessToken)).toMatchObject({
      aud: "https://graph.microsoft.com",
      tid: entra.tenantId,
      azp: clientId,
      idtyp: "app",
    });
    const r2 = await app.acquireTokenByClientCredential({ scopes });
    expect(r2!.fromCache).toBe(true);
    expect(entra.tokenRequests.filter((r) => r.clientId === clientId)).toMatchObject([
      { grantType: "client_credentials", tenant: entra.tenantId, status: 200 },
    ]);
    expect(JSON.parse(app.getTokenCache().serialize()).RefreshToken).toEqual({});

    const bad = await rejection(app.acquireTokenByClientCredential({ scopes: ["User.Read"] }));
    expect([bad.errorCode, String(bad.errorNo), bad.status]).toEqual(["invalid_scope", "1002012", 400]);
  });

  it("discovery documents, 404 and 405 are JSON", async () => {
    const client = net();
    const oidc = await client.sendGetRequestAsync<Record<string, string>>(
      `${entra.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
    );
    expect(oidc.status).toBe(200);
    expect(oidc.body).toMatchObject({
      issuer: `${entra.url}/${entra.tenantId}/v2.0`,
      token_endpoint: `${entra.url}/contoso.onmicrosoft.com/oauth2/v2.0/token`,
      authorization_endpoint: `${entra.url}/contoso.onmicrosoft.com/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${entra.url}/contoso.onmicrosoft.com/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${entra.url}/contoso.onmicrosoft.com/oauth2/v2.0/logout`,
      jwks_uri: `${entra.url}/contoso.onmicrosoft.com/discovery/v2.0/keys`,
    });
    const orgs = await client.sendGetRequestAsync<Record<string, string>>(
      `https://localhost:${entra.port}/organizations/v2.0/.well-known/openid-configuration`,
    );
    expect(orgs.body.issuer).toBe(`${entra.url}/{tenantid}/v2.0`);
    const instance = await client.sendGetRequestAsync<{ metadata: unknown[] }>(
      `${entra.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${entra.url}/organizations/oauth2/v2.0/authorize`)}`,
    );
    expect(instance.body).toMatchObject({
      tenant_discovery_endpoint: `${entra.url}/organizations/v2.0/.well-known/openid-configuration`,
      metadata: [{ preferred_network: entra.host, preferred_cache: entra.host, aliases: [entra.host] }],
    });
    const missing: MsalNetworkResponse<Record<string, unknown>> = await client.sendGetRequestAsync(
      `${entra.url}/nope`,
    );
    expect(missing.status).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/json/);
    expect(missing.body.error).toBe("not_found");
    const wrongMethod = await client.sendGetRequestAsync<Record<string, unknown>>(entra.tokenEndpoint());
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error_codes).toEqual([900561]);
  });

  it("TLS: untrusted without the CA; CA file written 0600", async () => {
    const err = await fetch(`${entra.url}/organizations/v2.0/.well-known/openid-configuration`).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(err).toBeDefined();
    expect(err?.cause?.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/);

    const dir = await mkdtemp(join(tmpdir(), "fake-entra-"));
    try {
      const file = join(dir, "ca.pem");
      await entra.writeCaFile(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, "utf8")).toBe(entra.caPem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
