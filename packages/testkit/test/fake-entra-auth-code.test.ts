import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import {
  type AuthError,
  ConfidentialClientApplication,
  CryptoProvider,
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
  followAuthorizeUrl,
  redirectUriMatches,
} from "../src/fake-entra/index.ts";
import { createTestCertificate, type TestCertificate } from "../src/tls/test-certificate.ts";

const SCOPES = ["https://api.partnercenter.microsoft.com/user_impersonation"];
/** What New-PartnerAccessToken's loopback redirect looks like (port 8400–8999, trailing slash). */
const PS_REDIRECT = "http://localhost:8412/";

let entra: FakeEntra;
let cert: TestCertificate;
const networkClients: FakeEntraNetworkClient[] = [];
const pkce = new CryptoProvider();

function net(): FakeEntraNetworkClient {
  const client = createFakeEntraNetworkClient({ ca: entra.caPem });
  networkClients.push(client);
  return client;
}

function publicApp(clientId = randomUUID(), redirectUris?: string[]) {
  entra.registerClient(redirectUris ? { clientId, redirectUris } : { clientId });
  const pca = new PublicClientApplication({
    auth: { clientId, authority: entra.authority(), knownAuthorities: [entra.host] },
    system: { networkClient: net() },
  });
  return { clientId, pca };
}

function secretApp() {
  const clientId = randomUUID();
  const clientSecret = `SECRET-CANARY-${randomUUID()}`;
  entra.registerClient({ clientId, clientSecret });
  const cca = new ConfidentialClientApplication({
    auth: { clientId, clientSecret, authority: entra.authority(), knownAuthorities: [entra.host] },
    system: { networkClient: net() },
  });
  return { clientId, clientSecret, cca };
}

function follow(url: string, opts: { consent?: "accept" | "cancel"; deliver?: boolean } = {}) {
  return followAuthorizeUrl(url, { ca: entra.caPem, ...opts });
}

/** One raw GET through the test CA, redirects NOT followed (like `fetch(url, { redirect: "manual" })`). */
function getManual(url: string): Promise<{ status: number; location?: string; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca: entra.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const out: { status: number; location?: string; type?: string; body: string } = {
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        if (res.headers.location) out.location = res.headers.location;
        if (res.headers["content-type"]) out.type = res.headers["content-type"];
        resolve(out);
      });
    })
      .on("error", reject)
      .end();
  });
}

async function rejection<T extends Error = ServerError>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (e) {
    return e as T;
  }
  throw new Error("expected the promise to reject");
}

function cachedRefreshTokens(serialized: string, clientId: string): string[] {
  const cache = JSON.parse(serialized) as JsonCache;
  return Object.values(cache.RefreshToken ?? {})
    .filter((rt) => rt.client_id === clientId)
    .map((rt) => rt.secret);
}

/** getAuthCodeUrl + the browser leg; returns the code, the redirect params and the verifier. */
async function authorize(
  app: PublicClientApplication | ConfidentialClientApplication,
  opts: { redirectUri?: string; pkce?: boolean; nonce?: string; state?: string } = {},
) {
  const { verifier, challenge } = await pkce.generatePkceCodes();
  const state = opts.state ?? randomUUID();
  const url = await app.getAuthCodeUrl({
    scopes: SCOPES,
    redirectUri: opts.redirectUri ?? PS_REDIRECT,
    state,
    ...(opts.pkce === false ? {} : { codeChallenge: challenge, codeChallengeMethod: "S256" }),
    ...(opts.nonce ? { nonce: opts.nonce } : {}),
  });
  const res = await follow(url);
  const code = res.params.code;
  if (!code) throw new Error(`no code: ${JSON.stringify(res.params)}`);
  return { url, res, code, state, verifier };
}

beforeAll(async () => {
  [entra, cert] = await Promise.all([FakeEntra.start(), createTestCertificate()]);
});

afterAll(async () => {
  for (const c of networkClients) c.destroy();
  await entra.close();
});

describe("authorization code flow with the real msal-node", () => {
  it("public client + PKCE: 302 with code/state/client_info, redeemed, RT recorded and rotating", async () => {
    const { clientId, pca } = publicApp();
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const state = `state-${randomUUID()}`;
    const url = await pca.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: PS_REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state,
      prompt: "login",
      loginHint: "someone@contoso.test",
    });
    expect(url.startsWith(`${entra.url}/organizations/oauth2/v2.0/authorize?`)).toBe(true);

    const raw = await getManual(url);
    expect(raw.status).toBe(302);
    const location = new URL(raw.location ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(PS_REDIRECT);
    expect([...location.searchParams.keys()]).toEqual(["code", "client_info", "state", "session_state"]);
    expect(location.searchParams.get("state")).toBe(state);
    expect(decodeJwtPayloadLike(location.searchParams.get("client_info"))).toEqual({
      uid: entra.user.oid,
      utid: entra.tenantId,
    });

    const rec = entra.authorizeRequests.at(-1);
    expect(rec).toMatchObject({
      clientId,
      tenant: "organizations",
      responseType: "code",
      redirectUri: PS_REDIRECT,
      scopes: [...SCOPES, "openid", "profile", "offline_access"],
      state,
      prompt: "login",
      loginHint: "someone@contoso.test",
      responseMode: "query",
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      clientInfo: "1",
      outcome: "code",
    });
    expect(rec).not.toHaveProperty("nonce"); // msal-node 7 sends no nonce unless asked to

    const code = location.searchParams.get("code") ?? "";
    const res = await pca.acquireTokenByCode(
      { code, scopes: SCOPES, redirectUri: PS_REDIRECT, codeVerifier: verifier, state },
      { code, state },
    );
    expect(res.account?.homeAccountId).toBe(`${entra.user.oid}.${entra.tenantId}`);
    expect(res.account?.username).toBe(entra.user.preferredUsername);
    expect(res.scopes).toEqual(SCOPES);
    expect(decodeJwtPayload(res.accessToken)).toMatchObject({
      aud: "https://api.partnercenter.microsoft.com",
      scp: "user_impersonation",
      azp: clientId,
    });
    expect(res.idTokenClaims).not.toHaveProperty("nonce");
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      grantType: "authorization_code",
      clientId,
      status: 200,
      clientAuth: "none",
      x5c: false,
    });

    const [rt1] = cachedRefreshTokens(pca.getTokenCache().serialize(), clientId);
    expect(entra.validRefreshTokens(clientId)).toEqual([rt1]);
    await pca.acquireTokenSilent({ account: res.account!, scopes: SCOPES, forceRefresh: true });
    const [rt2] = cachedRefreshTokens(pca.getTokenCache().serialize(), clientId);
    expect(rt2).not.toBe(rt1);
    expect(entra.validRefreshTokens(clientId)).toEqual([rt2]);
    expect(entra.refreshTokenState(rt1!)).toBe("spent");
  });

  it("state checks are msal's: mismatch → state_mismatch (no network); payload state without request state → invalid_state AFTER redeeming", async () => {
    const { clientId, pca } = publicApp();
    const { code, state, verifier } = await authorize(pca);
    const base = { code, scopes: SCOPES, redirectUri: PS_REDIRECT, codeVerifier: verifier };
    const e1 = await rejection<AuthError>(
      pca.acquireTokenByCode({ ...base, state: "other" }, { code, state }),
    );
    expect(e1.errorCode).toBe("state_mismatch");
    expect(entra.tokenRequests.filter((r) => r.clientId === clientId)).toHaveLength(0);

    // msal only validates state when the REQUEST has one; otherwise it parses the payload's state as its
    // own library state — after the code was redeemed, so the code is burnt.
    const e2 = await rejection<AuthError>(pca.acquireTokenByCode(base, { code, state }));
    expect(e2.errorCode).toBe("invalid_state");
    expect(entra.tokenRequests.filter((r) => r.clientId === clientId)).toMatchObject([{ status: 200 }]);
    const e3 = await rejection(pca.acquireTokenByCode({ ...base, state }, { code, state }));
    expect(String(e3.errorNo)).toBe("54005");
  });

  it("nonce: echoed in the id_token; acquireTokenByCode must be given the same nonce", async () => {
    const { pca } = publicApp();
    const nonce = `nonce-${randomUUID()}`;
    const a = await authorize(pca, { nonce });
    expect(entra.authorizeRequests.at(-1)?.nonce).toBe(nonce);
    const req = { code: a.code, scopes: SCOPES, redirectUri: PS_REDIRECT, codeVerifier: a.verifier };
    const e = await rejection<AuthError>(pca.acquireTokenByCode(req, { code: a.code }));
    expect(e.errorCode).toBe("nonce_mismatch");
    // The code was redeemed by that call (msal checks the nonce after the token response).
    const b = await authorize(pca, { nonce });
    const res = await pca.acquireTokenByCode({ ...req, code: b.code, codeVerifier: b.verifier, nonce });
    expect(res.idTokenClaims).toMatchObject({ nonce });
  });

  it("wrong verifier → 501481, missing → 50148, other redirect_uri → 500112; code survives failures, then reuse → 54005", async () => {
    const { clientId, pca } = publicApp();
    const { code, verifier } = await authorize(pca);
    const req = { code, scopes: SCOPES, redirectUri: PS_REDIRECT };

    const wrong = (await pkce.generatePkceCodes()).verifier;
    const e1 = await rejection(pca.acquireTokenByCode({ ...req, codeVerifier: wrong }));
    expect(e1).toBeInstanceOf(ServerError);
    expect([e1.errorCode, String(e1.errorNo)]).toEqual(["invalid_grant", "501481"]);
    expect(e1.message).toContain(
      "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    );
    expect(e1.message).not.toContain(wrong);

    const e2 = await rejection(pca.acquireTokenByCode(req));
    expect([e2.errorCode, String(e2.errorNo)]).toEqual(["invalid_grant", "50148"]);

    const e3 = await rejection(
      pca.acquireTokenByCode({ ...req, redirectUri: "http://localhost:8413/", codeVerifier: verifier }),
    );
    expect([e3.errorCode, String(e3.errorNo)]).toEqual(["invalid_grant", "500112"]);
    expect(e3.message).toContain(
      `The reply address 'http://localhost:8413/' does not match the reply address '${PS_REDIRECT}' provided when requesting Authorization code.`,
    );

    const e4 = await rejection(
      pca.acquireTokenByCode({
        ...req,
        scopes: ["https://graph.microsoft.com/User.Read"],
        codeVerifier: verifier,
      }),
    );
    expect([e4.errorCode, String(e4.errorNo)]).toEqual(["invalid_scope", "70011"]);

    await pca.acquireTokenByCode({ ...req, codeVerifier: verifier });
    const e5 = await rejection(pca.acquireTokenByCode({ ...req, codeVerifier: verifier }));
    expect([e5.errorCode, String(e5.errorNo)]).toEqual(["invalid_grant", "54005"]);
    expect(e5.message).toContain("AADSTS54005: OAuth2 Authorization code was already redeemed");

    const log = entra.tokenRequests
      .filter((r) => r.clientId === clientId)
      .map((r) => [r.status, r.errorCode]);
    expect(log).toEqual([
      [400, 501481],
      [400, 50148],
      [400, 500112],
      [400, 70011],
      [200, undefined],
      [400, 54005],
    ]);
    expect(JSON.stringify(entra.tokenRequests)).not.toContain(code);
  });

  it("codes expire: expireAuthorizationCodes() → 70008; garbage code → 9002313", async () => {
    const { pca } = publicApp();
    const { code, verifier } = await authorize(pca);
    entra.expireAuthorizationCodes();
    const req = { code, scopes: SCOPES, redirectUri: PS_REDIRECT, codeVerifier: verifier };
    const e1 = await rejection(pca.acquireTokenByCode(req));
    expect([e1.errorCode, String(e1.errorNo)]).toEqual(["invalid_grant", "70008"]);
    const e2 = await rejection(pca.acquireTokenByCode({ ...req, code: "not-a-code" }));
    expect([e2.errorCode, String(e2.errorNo)]).toEqual(["invalid_grant", "9002313"]);
  });

  it("confidential client with a secret (PowerShell -ServicePrincipal -UseAuthorizationCode: no PKCE)", async () => {
    const { clientId, clientSecret, cca } = secretApp();
    const url = await cca.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: PS_REDIRECT,
      prompt: "select_account",
    });
    expect(url).not.toContain(clientSecret);
    const res = await follow(url);
    expect(res.params).not.toHaveProperty("state"); // none sent, none echoed
    const code = res.params.code ?? "";
    const tokens = await cca.acquireTokenByCode({ code, scopes: SCOPES, redirectUri: PS_REDIRECT });
    expect(tokens.account?.homeAccountId).toBe(`${entra.user.oid}.${entra.tenantId}`);
    expect(entra.tokenRequests.at(-1)).toMatchObject({ clientId, status: 200, clientAuth: "secret" });
    expect(cachedRefreshTokens(cca.getTokenCache().serialize(), clientId)).toEqual(
      entra.validRefreshTokens(clientId),
    );

    // A confidential client that omits its credential, or sends a wrong one, is refused.
    const { code: code2 } = await authorize(cca, { pkce: false });
    const noSecret = new PublicClientApplication({
      auth: { clientId, authority: entra.authority(), knownAuthorities: [entra.host] },
      system: { networkClient: net() },
    });
    const e = await rejection(
      noSecret.acquireTokenByCode({ code: code2, scopes: SCOPES, redirectUri: PS_REDIRECT }),
    );
    expect([e.errorCode, String(e.errorNo)]).toEqual(["invalid_client", "7000218"]);
  });

  it("confidential client with a certificate (PS256, x5t#S256, x5c) + PKCE + form_post", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: cert.certificatePem });
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId,
        authority: entra.authority(entra.tenantId),
        knownAuthorities: [entra.host],
        clientCertificate: {
          thumbprintSha256: cert.thumbprintSha256,
          privateKey: cert.privateKeyPem,
          x5c: cert.certificatePem,
        },
      },
      system: { networkClient: net() },
    });
    const { verifier, challenge } = await pkce.generatePkceCodes();
    const state = randomUUID();
    const url = await cca.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: PS_REDIRECT,
      responseMode: "form_post",
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state,
    });
    const res = await follow(url);
    expect(res.responseMode).toBe("form_post");
    expect(res.callbackUrl).toBe(PS_REDIRECT);
    expect(Object.keys(res.params)).toEqual(["code", "client_info", "state", "session_state"]);
    const code = res.params.code ?? "";
    const tokens = await cca.acquireTokenByCode(
      { code, scopes: SCOPES, redirectUri: PS_REDIRECT, codeVerifier: verifier, state },
      { code, state: res.params.state ?? "" },
    );
    expect(tokens.tenantId).toBe(entra.tenantId);
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      grantType: "authorization_code",
      clientId,
      status: 200,
      clientAuth: "assertion",
      x5c: true,
      assertionAlg: "PS256",
    });
  });

  it("acquireTokenInteractive (public loopback, form_post) end to end with followAuthorizeUrl", async () => {
    const { clientId, pca } = publicApp();
    let delivered: { status: number; body: string } | undefined;
    const res = await pca.acquireTokenInteractive({
      scopes: SCOPES,
      prompt: "login",
      openBrowser: async (url) => {
        const r = await follow(url, { deliver: true });
        delivered = r.app;
      },
      successTemplate: "signed in",
    });
    expect(res.account?.username).toBe(entra.user.preferredUsername);
    expect(delivered).toMatchObject({ status: 200, body: "signed in" });
    const rec = entra.authorizeRequests.at(-1);
    expect(rec).toMatchObject({
      clientId,
      responseMode: "form_post",
      codeChallengeMethod: "S256",
      outcome: "code",
    });
    expect(rec?.redirectUri).toMatch(/^http:\/\/localhost:\d+$/); // no trailing slash, unlike PowerShell
  });
});

describe("authorize endpoint behaviour", () => {
  it("unknown app → HTML 700016; unregistered redirect_uri → HTML 50011; neither redirects", async () => {
    const unknown = randomUUID();
    const r1 = await getManual(
      `${entra.url}/organizations/oauth2/v2.0/authorize?client_id=${unknown}&response_type=code&redirect_uri=${encodeURIComponent(PS_REDIRECT)}&scope=openid&state=s1`,
    );
    expect(r1.status).toBe(400);
    expect(r1.location).toBeUndefined();
    expect(r1.type).toMatch(/^text\/html/);
    expect(r1.body).toContain("<title>Sign in to your account</title>");
    expect(r1.body).toContain(`AADSTS700016: Application with identifier &#39;${unknown}&#39; was not found`);

    const { clientId, pca } = publicApp(randomUUID(), [
      "http://localhost/cb",
      "https://app.contoso.test/auth",
    ]);
    for (const bad of [
      "https://evil.example/cb",
      "http://localhost:8400/cb/",
      "https://app.contoso.test:444/auth",
    ]) {
      const url = await pca.getAuthCodeUrl({ scopes: SCOPES, redirectUri: bad, state: "s" });
      const r = await getManual(url);
      expect(r.status).toBe(400);
      expect(r.location).toBeUndefined();
      expect(unescapeEntities(r.body)).toContain(
        `AADSTS50011: The redirect URI '${bad}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
      );
    }
    expect(entra.authorizeRequests.at(-1)).toMatchObject({ outcome: "error-page", errorCode: 50011 });
    for (const good of ["http://localhost:8400/cb", "http://localhost/cb", "https://app.contoso.test/auth"]) {
      const url = await pca.getAuthCodeUrl({ scopes: SCOPES, redirectUri: good, state: "s" });
      expect((await getManual(url)).status).toBe(302);
    }
  });

  it("redirect URI matching rules", () => {
    expect(redirectUriMatches("http://localhost", "http://localhost:8412/")).toBe(true);
    expect(redirectUriMatches("http://localhost", "http://localhost:53682")).toBe(true);
    expect(redirectUriMatches("http://localhost:8400", "http://localhost:8999/")).toBe(true);
    expect(redirectUriMatches("http://127.0.0.1/cb", "http://127.0.0.1:1234/cb")).toBe(true);
    expect(redirectUriMatches("http://localhost/cb", "http://localhost:1234/cb/")).toBe(false);
    expect(redirectUriMatches("http://localhost", "https://localhost:8400/")).toBe(false);
    expect(redirectUriMatches("https://localhost", "https://localhost:8400/")).toBe(false);
    expect(redirectUriMatches("https://app.test/cb", "https://APP.test/cb")).toBe(true);
    expect(redirectUriMatches("https://app.test/cb", "https://app.test/CB")).toBe(false);
  });

  it("unsupported PKCE method and non-code response_type → error redirect with state", async () => {
    const { pca } = publicApp();
    const url = new URL(
      await pca.getAuthCodeUrl({ scopes: SCOPES, redirectUri: PS_REDIRECT, state: "st-1" }),
    );
    url.searchParams.set("code_challenge", "x".repeat(43));
    url.searchParams.set("code_challenge_method", "S512");
    const r1 = await follow(url.href);
    expect(withoutQuery(r1.callbackUrl)).toBe(PS_REDIRECT);
    expect(r1.params).toMatchObject({ error: "invalid_request", state: "st-1" });
    expect(r1.params.error_description).toMatch(/^AADSTS501491: /);
    url.searchParams.set("response_type", "token");
    const r2 = await follow(url.href);
    expect(r2.params).toMatchObject({ error: "unsupported_response_type", state: "st-1" });
  });

  it('consent "page": HTML form with Accept/Cancel; Accept → code, Cancel → access_denied 65004', async () => {
    const { pca } = publicApp();
    entra.consent = "page";
    try {
      const { verifier, challenge } = await pkce.generatePkceCodes();
      const url = await pca.getAuthCodeUrl({
        scopes: SCOPES,
        redirectUri: PS_REDIRECT,
        codeChallenge: challenge,
        codeChallengeMethod: "S256",
        state: "st-page",
      });
      const page = await getManual(url);
      expect(page.status).toBe(200);
      expect(page.type).toMatch(/^text\/html/);
      expect(page.body).toContain("<title>Sign in to your account</title>");
      expect(page.body).toContain(entra.user.name);
      expect(page.body).toContain(SCOPES[0]);
      expect(page.body).toMatch(
        /<form method="post" action="\/organizations\/oauth2\/v2\.0\/authorize\/consent" id="consentForm">/,
      );
      expect(page.body).toMatch(/<input type="hidden" name="request_id" value="[0-9a-f-]{36}">/);
      expect(page.body).toMatch(/<button [^>]*value="accept"[^>]*>Accept<\/button>/);
      expect(page.body).toMatch(/<button [^>]*value="cancel"[^>]*>Cancel<\/button>/);
      expect(entra.authorizeRequests.at(-1)?.outcome).toBe("consent-page");

      const accepted = await follow(url, { consent: "accept" });
      expect(accepted.params.state).toBe("st-page");
      const code = accepted.params.code ?? "";
      await expect(
        pca.acquireTokenByCode({ code, scopes: SCOPES, redirectUri: PS_REDIRECT, codeVerifier: verifier }),
      ).resolves.toBeTruthy();

      const cancelled = await follow(url, { consent: "cancel" });
      expect(withoutQuery(cancelled.callbackUrl)).toBe(PS_REDIRECT);
      expect(cancelled.params).toMatchObject({ error: "access_denied", state: "st-page" });
      expect(cancelled.params.error_description).toMatch(
        /^AADSTS65004: User declined to consent to access the app\. Trace ID: /,
      );
      expect(cancelled.params).not.toHaveProperty("code");

      // prompt=none cannot show the page.
      const silent = await pca.getAuthCodeUrl({ scopes: SCOPES, redirectUri: PS_REDIRECT, prompt: "none" });
      expect((await follow(silent)).params.error).toBe("login_required");
    } finally {
      entra.consent = "auto";
    }
  });

  it('consent "deny": immediate access_denied redirect (fragment mode honoured)', async () => {
    const { pca } = publicApp();
    entra.consent = "deny";
    try {
      const url = await pca.getAuthCodeUrl({
        scopes: SCOPES,
        redirectUri: PS_REDIRECT,
        state: "st-deny",
        responseMode: "fragment",
      });
      const res = await follow(url);
      expect(res.responseMode).toBe("fragment");
      expect(res.params).toMatchObject({ error: "access_denied", state: "st-deny" });
      expect(entra.authorizeRequests.at(-1)).toMatchObject({ outcome: "error-redirect", errorCode: 65004 });
    } finally {
      entra.consent = "auto";
    }
  });

  it("PowerShell-style loopback listener receives the code (deliver: true)", async () => {
    const hits: string[] = [];
    const server: Server = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.end("<html><head><title>Authentication Complete</title></head></html>");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { cca } = secretApp();
      const redirectUri = `http://localhost:${port}/`;
      const url = await cca.getAuthCodeUrl({ scopes: SCOPES, redirectUri });
      const res = await follow(url, { deliver: true });
      expect(res.app?.status).toBe(200);
      expect(hits).toHaveLength(1);
      const code = new URL(hits[0] ?? "", redirectUri).searchParams.get("code") ?? "";
      await expect(cca.acquireTokenByCode({ code, scopes: SCOPES, redirectUri })).resolves.toBeTruthy();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

function decodeJwtPayloadLike(b64: string | null): unknown {
  return JSON.parse(Buffer.from(b64 ?? "", "base64url").toString("utf8"));
}

function withoutQuery(url: string | undefined): string {
  const u = new URL(url ?? "");
  return `${u.origin}${u.pathname}`;
}

function unescapeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}
