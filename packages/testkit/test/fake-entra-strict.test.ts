import { randomUUID } from "node:crypto";
import { ConfidentialClientApplication, type JsonCache, ServerError } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeEntraNetworkClient,
  FakeEntra,
  type FakeEntraNetworkClient,
} from "../src/fake-entra/index.ts";

const SCOPES = ["https://api.partnercenter.microsoft.com/user_impersonation"];

let entra: FakeEntra;
const networkClients: FakeEntraNetworkClient[] = [];

beforeAll(async () => {
  entra = await FakeEntra.start({ rotation: "reuse-revokes-grant" });
});

afterAll(async () => {
  for (const c of networkClients) c.destroy();
  await entra.close();
});

/** A registered confidential app and a way to redeem an RT with a fresh msal app (returns the rotated RT). */
function app() {
  const clientId = randomUUID();
  const clientSecret = `SECRET-CANARY-${randomUUID()}`;
  entra.registerClient({ clientId, clientSecret });
  const redeem = async (refreshToken: string): Promise<string> => {
    const networkClient = createFakeEntraNetworkClient({ ca: entra.caPem });
    networkClients.push(networkClient);
    const cca = new ConfidentialClientApplication({
      auth: { clientId, clientSecret, authority: entra.authority(), knownAuthorities: [entra.host] },
      system: { networkClient },
    });
    await cca.acquireTokenByRefreshToken({ refreshToken, scopes: SCOPES, forceCache: true });
    const cache = JSON.parse(cca.getTokenCache().serialize()) as JsonCache;
    const rts = Object.values(cache.RefreshToken ?? {}).map((rt) => rt.secret);
    expect(rts).toHaveLength(1);
    return rts[0]!;
  };
  return { clientId, redeem };
}

async function serverError(p: Promise<unknown>): Promise<ServerError> {
  const outcome = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ServerError);
  return outcome as ServerError;
}

describe('FakeEntra rotation "reuse-revokes-grant" with the real msal-node', () => {
  it("rotates along one grant; a spent token presented again revokes the whole grant, newest included", async () => {
    const { clientId, redeem } = app();
    const rt0 = entra.issueRefreshToken({ clientId, value: `RT-CANARY-${randomUUID()}` });
    const requestsBefore = entra.tokenRequestCount;
    const redemptionsBefore = entra.redemptionCount;

    const rt1 = await redeem(rt0);
    const rt2 = await redeem(rt1);
    expect(entra.grant(rt0)).toEqual({
      id: entra.grant(rt2)?.id,
      clientId,
      alive: true,
      newestRefreshToken: rt2,
      refreshTokens: [rt0, rt1, rt2],
    });
    expect(entra.isGrantAlive(rt0)).toBe(true);
    expect(entra.newestRefreshToken(rt0)).toBe(rt2);
    expect([rt0, rt1, rt2].map((rt) => entra.refreshTokenState(rt))).toEqual(["spent", "spent", "valid"]);
    expect([rt0, rt1, rt2].map((rt) => entra.presentationCount(rt))).toEqual([1, 1, 0]);
    expect(entra.reusedRefreshTokens(clientId)).toEqual([]);

    const reuse = await serverError(redeem(rt1));
    expect(reuse.errorCode).toBe("invalid_grant");
    expect(reuse.errorMessage).toContain("AADSTS70008:");
    const grant = entra.grant(rt2);
    expect(grant).toMatchObject({ alive: false, newestRefreshToken: rt2 });
    expect(grant?.revokedByReuseAt).toBeInstanceOf(Date);
    expect(entra.isGrantAlive(rt2)).toBe(false);
    expect([rt0, rt1, rt2].map((rt) => entra.refreshTokenState(rt))).toEqual([
      "revoked",
      "revoked",
      "revoked",
    ]);
    expect(entra.validRefreshTokens(clientId)).toEqual([]);

    // The newest token, never used, is dead too.
    expect((await serverError(redeem(rt2))).errorCode).toBe("invalid_grant");
    expect(entra.reusedRefreshTokens(clientId)).toEqual([rt1]);
    expect([rt0, rt1, rt2].map((rt) => entra.presentationCount(rt))).toEqual([1, 2, 1]);
    expect(entra.redemptionCount - redemptionsBefore).toBe(2);
    expect(entra.tokenRequestCount - requestsBefore).toBe(4);
    expect(
      entra.tokenRequests.slice(requestsBefore).map((r) => [r.grantType, r.status, r.errorCode]),
    ).toEqual([
      ["refresh_token", 200, undefined],
      ["refresh_token", 200, undefined],
      ["refresh_token", 400, 70008],
      ["refresh_token", 400, 70008],
    ]);
  });

  it("two concurrent redemptions of one token kill the grant, including the token the winner got", async () => {
    const { clientId, redeem } = app();
    const rt0 = entra.issueRefreshToken({ clientId });
    const [first, second] = await Promise.allSettled([redeem(rt0), redeem(rt0)]);
    const outcomes = [first.status, second.status].sort();
    expect(outcomes).toEqual(["fulfilled", "rejected"]);
    const winner =
      first.status === "fulfilled" ? first.value : second.status === "fulfilled" ? second.value : "";
    expect(entra.newestRefreshToken(rt0)).toBe(winner);
    expect(entra.isGrantAlive(rt0)).toBe(false);
    expect(entra.refreshTokenState(winner)).toBe("revoked");
    expect(entra.presentationCount(rt0)).toBe(2);
  });

  it("grants are independent: reuse in one leaves another consent's chain alive", async () => {
    const { clientId, redeem } = app();
    const a0 = entra.issueRefreshToken({ clientId });
    const b0 = entra.issueRefreshToken({ clientId });
    const b1 = await redeem(b0);
    await redeem(a0);
    await serverError(redeem(a0));
    expect(entra.isGrantAlive(a0)).toBe(false);
    expect(entra.isGrantAlive(b0)).toBe(true);
    expect(entra.grant(b0)?.id).not.toBe(entra.grant(a0)?.id);
    expect(await redeem(b1)).toBe(entra.newestRefreshToken(b0));
  });

  it("the other modes never revoke a grant: single-use refuses the spent token only, keep-old accepts it", async () => {
    const { clientId, redeem } = app();
    try {
      entra.rotation = "single-use";
      const rt0 = entra.issueRefreshToken({ clientId });
      const rt1 = await redeem(rt0);
      expect((await serverError(redeem(rt0))).errorCode).toBe("invalid_grant");
      expect(entra.isGrantAlive(rt0)).toBe(true);
      expect(entra.grant(rt0)?.revokedByReuseAt).toBeUndefined();
      expect(entra.refreshTokenState(rt1)).toBe("valid");

      entra.rotation = "keep-old";
      const rt2 = await redeem(rt1);
      const rt3 = await redeem(rt1);
      expect(entra.presentationCount(rt1)).toBe(2);
      expect(entra.reusedRefreshTokens(clientId)).toEqual([rt0, rt1]);
      expect(entra.grant(rt0)).toMatchObject({ alive: true, refreshTokens: [rt0, rt1, rt2, rt3] });
    } finally {
      entra.rotation = "reuse-revokes-grant";
    }
  });

  it("refuses an unknown rotation mode and answers undefined/false for unknown tokens", () => {
    expect(() => {
      entra.rotation = "strict" as never;
    }).toThrow('FakeEntra.rotation must be "single-use", "keep-old" or "reuse-revokes-grant"');
    expect(entra.rotation).toBe("reuse-revokes-grant");
    expect(entra.grant("nope")).toBeUndefined();
    expect(entra.isGrantAlive("nope")).toBe(false);
    expect(entra.presentationCount("nope")).toBe(0);
    expect(() => entra.newestRefreshToken("nope")).toThrow("FakeEntra: unknown refresh token");
  });
});
