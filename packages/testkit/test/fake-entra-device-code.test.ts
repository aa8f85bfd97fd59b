import { randomUUID } from "node:crypto";
import { type AuthError, type JsonCache, PublicClientApplication } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createFakeEntraNetworkClient,
  DEVICE_LOGIN_URL,
  FakeEntra,
  type FakeEntraNetworkClient,
} from "../src/fake-entra/index.ts";

/** PowerShell `-Module ExchangeOnline`: public app a0c73c16-…, scope outlook/.default. */
const SCOPES = ["https://outlook.office365.com/.default"];
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

let entra: FakeEntra;
const networkClients: FakeEntraNetworkClient[] = [];

function net(): FakeEntraNetworkClient {
  const client = createFakeEntraNetworkClient({ ca: entra.caPem });
  networkClients.push(client);
  return client;
}

function publicApp() {
  const clientId = randomUUID();
  entra.registerClient({ clientId });
  const pca = new PublicClientApplication({
    auth: { clientId, authority: entra.authority(), knownAuthorities: [entra.host] },
    system: { networkClient: net() },
  });
  return { clientId, pca };
}

function post(path: string, form: Record<string, string>) {
  return net().sendPostRequestAsync<Record<string, unknown>>(
    `${entra.url}/organizations/oauth2/v2.0/${path}`,
    {
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    },
  );
}

async function rejection(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (e) {
    return e as AuthError;
  }
  throw new Error("expected the promise to reject");
}

const polls = (clientId: string) => entra.tokenRequests.filter((r) => r.clientId === clientId);

/** Resolves once the fake has answered `count` polls of `clientId` (a gate, not a timer). */
const untilPolled = (clientId: string, count: number) =>
  vi.waitFor(() => expect(polls(clientId).length).toBeGreaterThanOrEqual(count), {
    timeout: 10_000,
    interval: 5,
  });

beforeAll(async () => {
  entra = await FakeEntra.start({ deviceCode: { intervalSeconds: 0.02 } });
});

afterAll(async () => {
  for (const c of networkClients) c.destroy();
  await entra.close();
});

describe("device code flow with the real msal-node", () => {
  it("pending → approveDeviceCode() → tokens (fractional interval); the code is then spent", async () => {
    const { clientId, pca } = publicApp();
    let shown:
      | { userCode: string; verificationUri: string; expiresIn: number; interval: number; message: string }
      | undefined;
    let approved: Promise<void> | undefined;
    const res = await pca.acquireTokenByDeviceCode({
      scopes: SCOPES,
      deviceCodeCallback: (r) => {
        shown = r;
        // The user approves once msal has been told "pending" at least once.
        approved = untilPolled(clientId, 1).then(() => entra.approveDeviceCode(r.userCode));
      },
    });
    await approved;
    expect(shown).toMatchObject({
      verificationUri: DEVICE_LOGIN_URL,
      expiresIn: 900,
      interval: 0.02,
      message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${shown?.userCode} to authenticate.`,
    });
    expect(shown?.userCode).toMatch(/^[A-Z0-9]{9}$/);
    expect(res?.account?.homeAccountId).toBe(`${entra.user.oid}.${entra.tenantId}`);
    expect(res?.scopes).toEqual(SCOPES);

    const log = polls(clientId);
    expect(log.length).toBeGreaterThanOrEqual(2);
    expect(log.slice(0, -1).every((r) => r.status === 400 && r.errorCode === 70016)).toBe(true);
    expect(log.at(-1)).toMatchObject({ grantType: "device_code", status: 200, clientAuth: "none" });
    expect(entra.deviceCodeRequests.at(-1)).toEqual({
      at: expect.any(Date),
      tenant: "organizations",
      clientId,
      scopes: [...SCOPES, "openid", "profile", "offline_access"],
      status: 200,
      userCode: shown?.userCode,
    });
    expect(entra.deviceCodeState(shown?.userCode ?? "")).toBe("redeemed");
    const cache = JSON.parse(pca.getTokenCache().serialize()) as JsonCache;
    const rts = Object.values(cache.RefreshToken ?? {}).map((rt) => rt.secret);
    expect(entra.validRefreshTokens(clientId)).toEqual(rts);
    expect(JSON.stringify(entra.deviceCodeRequests)).not.toMatch(/DAQAB/);
  });

  it("approveAfterPolls: tokens on the (n+1)th poll without any test code", async () => {
    const { clientId, pca } = publicApp();
    entra.deviceCode = { approveAfterPolls: 2 };
    try {
      await pca.acquireTokenByDeviceCode({ scopes: SCOPES, deviceCodeCallback: () => {} });
    } finally {
      entra.deviceCode = { approveAfterPolls: undefined };
    }
    expect(polls(clientId).map((r) => r.status)).toEqual([400, 400, 200]);
    expect(entra.deviceCode).toEqual({
      expiresInSeconds: 900,
      intervalSeconds: 0.02,
      approveAfterPolls: undefined,
    });
  });

  it("declineDeviceCode() → authorization_declined; msal stops polling with post_request_failed", async () => {
    const { clientId, pca } = publicApp();
    const err = await rejection(
      pca.acquireTokenByDeviceCode({
        scopes: SCOPES,
        deviceCodeCallback: () => setTimeout(() => entra.declineDeviceCode(), 50),
      }),
    );
    expect(err.errorCode).toBe("post_request_failed");
    expect(err.errorMessage).toContain("authorization_declined");
    expect(polls(clientId).at(-1)).toMatchObject({
      status: 400,
      error: "authorization_declined",
      errorCode: 65004,
    });
  });

  it("expiry: expireDeviceCode() → expired_token 70020; and by time (raw protocol)", async () => {
    const { clientId, pca } = publicApp();
    const err = await rejection(
      pca.acquireTokenByDeviceCode({
        scopes: SCOPES,
        deviceCodeCallback: (r) => setTimeout(() => entra.expireDeviceCode(r.userCode), 50),
      }),
    );
    expect(err.errorCode).toBe("post_request_failed");
    expect(err.errorMessage).toContain("expired_token");
    expect(polls(clientId).at(-1)).toMatchObject({ error: "expired_token", errorCode: 70020 });

    // Before expires_in: pending (a code that cannot run out during the test).
    const live = await post("devicecode", { client_id: clientId, scope: "openid offline_access" });
    expect(live.body.expires_in).toBe(900);
    const pending = await post("token", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: clientId,
      device_code: String(live.body.device_code),
    });
    expect(pending.status).toBe(400);
    expect(Object.keys(pending.body)).toEqual([
      "error",
      "error_description",
      "error_codes",
      "timestamp",
      "trace_id",
      "correlation_id",
      "error_uri",
    ]);
    expect(pending.body.error).toBe("authorization_pending");
    expect(pending.body.error_description).toMatch(
      new RegExp(
        `^AADSTS70016: OAuth 2\\.0 device flow error\\. Authorization is pending\\. Continue polling\\. Trace ID: ${UUID} Correlation ID: ${UUID} Timestamp: `,
      ),
    );

    // Past expires_in: a short-lived code, polled once the clock has passed its expiry.
    entra.deviceCode = { expiresInSeconds: 0.05 };
    try {
      const dc = await post("devicecode", { client_id: clientId, scope: "openid offline_access" });
      expect(dc.body.expires_in).toBe(0.05);
      const issuedAt = entra.deviceCodeRequests.at(-1)!;
      expect(issuedAt).toMatchObject({ clientId, status: 200, userCode: dc.body.user_code });
      const form = {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: clientId,
        device_code: String(dc.body.device_code),
      };
      const expiresAt = issuedAt.at.getTime() + 50;
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(expiresAt), { timeout: 5_000, interval: 10 });
      const expired = await post("token", form);
      expect(expired.body).toMatchObject({ error: "expired_token", error_codes: [70020] });
      expect(expired.body.error_description).toMatch(
        /^AADSTS70020: The provided value for the input parameter 'device_code' is not valid\. This device code has expired\./,
      );
      expect(() => entra.approveDeviceCode(String(dc.body.user_code))).toThrow(/already expired/);
    } finally {
      entra.deviceCode = { expiresInSeconds: 900 };
    }
  });

  it("raw protocol: RFC URN grant, spent code, unknown code, unknown app", async () => {
    const { clientId } = publicApp();
    const dc = await post("devicecode", { client_id: clientId, scope: `${SCOPES[0]} openid offline_access` });
    expect(Object.keys(dc.body)).toEqual([
      "user_code",
      "device_code",
      "verification_uri",
      "expires_in",
      "interval",
      "message",
    ]);
    entra.approveDeviceCode();
    const form = {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: clientId,
      device_code: String(dc.body.device_code),
      client_info: "1",
    };
    const ok = await post("token", form);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body)).toEqual([
      "token_type",
      "scope",
      "expires_in",
      "ext_expires_in",
      "access_token",
      "refresh_token",
      "refresh_token_expires_in",
      "id_token",
      "client_info",
    ]);
    expect(ok.body.scope).toBe(SCOPES[0]);
    expect((await post("token", form)).body).toMatchObject({ error: "invalid_grant", error_codes: [70000] });
    expect((await post("token", { ...form, device_code: "nope" })).body).toMatchObject({
      error: "bad_verification_code",
      error_codes: [70018],
    });
    const stranger = await post("devicecode", { client_id: randomUUID(), scope: "openid" });
    expect(stranger.status).toBe(400);
    expect(stranger.body).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    expect(entra.deviceCodeRequests.at(-1)).toMatchObject({ status: 400, errorCode: 700016 });
    expect(() => entra.approveDeviceCode("ZZZZZZZZZ")).toThrow(/no such device code/);
  });
});
