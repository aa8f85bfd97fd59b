import { randomUUID } from "node:crypto";
import {
  ConfidentialClientApplication,
  CryptoProvider,
  type JsonCache,
  ProtocolMode,
  PublicClientApplication,
} from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeEntraNetworkClient,
  FakeEntra,
  type FakeEntraNetworkClient,
  followAuthorizeUrl,
} from "../src/fake-entra/index.ts";

const SCOPES = ["https://api.partnercenter.microsoft.com/user_impersonation"];
const REDIRECT = "http://localhost:8500/";

let entra: FakeEntra;
const networkClients: FakeEntraNetworkClient[] = [];

function net(): FakeEntraNetworkClient {
  const client = createFakeEntraNetworkClient({ ca: entra.caPem });
  networkClients.push(client);
  return client;
}

/** Generic OIDC: the issuer-style authority `https://host/<tenant>/v2.0`, discovery at `<authority>/.well-known/…`. */
function oidcAuthority(): string {
  return `${entra.url}/${entra.tenantId}/v2.0`;
}

beforeAll(async () => {
  entra = await FakeEntra.start({ oidc: true });
});

afterAll(async () => {
  for (const c of networkClients) c.destroy();
  await entra.close();
});

describe("msal ProtocolMode.OIDC against the fake in generic-OIDC mode", () => {
  it("redeems a refresh token: no client_info, homeAccountId from sub, RT rotates", async () => {
    const clientId = randomUUID();
    const clientSecret = randomUUID();
    entra.registerClient({ clientId, clientSecret });
    const rt0 = entra.issueRefreshToken({ clientId });
    const cca = new ConfidentialClientApplication({
      auth: { clientId, clientSecret, authority: oidcAuthority(), knownAuthorities: [entra.host] },
      system: { networkClient: net(), protocolMode: ProtocolMode.OIDC },
    });
    const res = await cca.acquireTokenByRefreshToken({ refreshToken: rt0, scopes: SCOPES, forceCache: true });
    const sub = String((res?.idTokenClaims as { sub?: string } | undefined)?.sub);
    expect(res?.account?.homeAccountId).toBe(sub); // no client_info → msal falls back to sub
    expect(res?.account?.username).toBe(entra.user.preferredUsername);
    const cache = JSON.parse(cca.getTokenCache().serialize()) as JsonCache;
    const [account] = Object.values(cache.Account ?? {});
    expect(account?.authority_type).toBe("Generic");
    const rts = Object.values(cache.RefreshToken ?? {}).map((rt) => rt.secret);
    expect(entra.validRefreshTokens(clientId)).toEqual(rts);
    expect(entra.refreshTokenState(rt0)).toBe("spent");

    // The raw response has no client_info although msal still asks for it (client_info=1).
    const raw = await net().sendPostRequestAsync<Record<string, unknown>>(
      `${entra.url}/${entra.tenantId}/oauth2/v2.0/token`,
      {
        body: new URLSearchParams({
          grant_type: "refresh_token",
          client_id: clientId,
          client_secret: clientSecret,
          refresh_token: rts[0] ?? "",
          scope: `${SCOPES[0]} openid offline_access`,
          client_info: "1",
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
    );
    expect(raw.status).toBe(200);
    expect(raw.body).toHaveProperty("id_token");
    expect(raw.body).not.toHaveProperty("client_info");
  });

  it("auth code + PKCE: no client_info in the redirect or the token response; silent refresh works", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId });
    const pca = new PublicClientApplication({
      auth: { clientId, authority: oidcAuthority(), knownAuthorities: [entra.host] },
      system: { networkClient: net(), protocolMode: ProtocolMode.OIDC },
    });
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const state = randomUUID();
    const url = await pca.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT,
      state,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
    });
    expect(url.startsWith(`${entra.url}/${entra.tenantId}/oauth2/v2.0/authorize?`)).toBe(true);
    const browser = await followAuthorizeUrl(url, { ca: entra.caPem });
    expect(Object.keys(browser.params)).toEqual(["code", "state", "session_state"]);
    const code = browser.params.code ?? "";
    const res = await pca.acquireTokenByCode(
      { code, scopes: SCOPES, redirectUri: REDIRECT, codeVerifier: verifier, state },
      { code, state },
    );
    expect(res.account?.homeAccountId).toBe(String((res.idTokenClaims as { sub?: string }).sub));
    const silent = await pca.acquireTokenSilent({
      account: res.account!,
      scopes: SCOPES,
      forceRefresh: true,
    });
    expect(silent.fromCache).toBe(false);
    expect(
      entra.tokenRequests.filter((r) => r.clientId === clientId).map((r) => [r.grantType, r.status]),
    ).toEqual([
      ["authorization_code", 200],
      ["refresh_token", 200],
    ]);
  });
});
