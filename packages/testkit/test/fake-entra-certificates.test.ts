import { constants, createHash, createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { ConfidentialClientApplication, PublicClientApplication, ServerError } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFakeEntraNetworkClient,
  decodeJwtPayload,
  FakeEntra,
  type FakeEntraNetworkClient,
  JWT_BEARER_ASSERTION_TYPE,
} from "../src/fake-entra/index.ts";
import { createTestCertificate, type TestCertificate } from "../src/tls/test-certificate.ts";

const GRAPH = ["https://graph.microsoft.com/.default"];
const PC = ["https://api.partnercenter.microsoft.com/user_impersonation"];

let entra: FakeEntra;
let cert: TestCertificate;
let other: TestCertificate;
let expired: TestCertificate;
const networkClients: FakeEntraNetworkClient[] = [];

function net(): FakeEntraNetworkClient {
  const client = createFakeEntraNetworkClient({ ca: entra.caPem });
  networkClients.push(client);
  return client;
}

type ClientCertificate = { thumbprintSha256?: string; thumbprint?: string; privateKey: string; x5c?: string };

function certApp(credential: ClientCertificate | { clientAssertion: string }, clientId = randomUUID()) {
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      authority: entra.authority(entra.tenantId),
      knownAuthorities: [entra.host],
      ...("clientAssertion" in credential ? credential : { clientCertificate: credential }),
    },
    system: { networkClient: net() },
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

/** Signs a client assertion by hand (PS256 + x5t#S256 unless told otherwise). */
function assertion(opts: {
  key: string;
  thumbprintSha256: string;
  claims: Record<string, unknown>;
  alg?: "PS256" | "RS256";
}): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const header = { alg: opts.alg ?? "PS256", typ: "JWT", "x5t#S256": hexToB64url(opts.thumbprintSha256) };
  const data = `${b64(header)}.${b64(opts.claims)}`;
  const signature = sign(
    "sha256",
    Buffer.from(data),
    opts.alg === "RS256"
      ? { key: opts.key, padding: constants.RSA_PKCS1_PADDING }
      : { key: opts.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  );
  return `${data}.${signature.toString("base64url")}`;
}

function hexToB64url(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64url");
}

function goodClaims(clientId: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: entra.tokenEndpoint(entra.tenantId),
    iss: clientId,
    sub: clientId,
    jti: randomUUID(),
    nbf: now,
    exp: now + 600,
    ...overrides,
  };
}

beforeAll(async () => {
  const dayMs = 86_400_000;
  [entra, cert, other, expired] = await Promise.all([
    FakeEntra.start(),
    createTestCertificate({ commonName: "partnerd cert tests" }),
    createTestCertificate(),
    createTestCertificate({ notBefore: new Date(Date.now() - 40 * dayMs), validDays: 30 }),
  ]);
});

afterAll(async () => {
  for (const c of networkClients) c.destroy();
  await entra.close();
});

describe("createTestCertificate", () => {
  it("self-signed RSA-2048 with upper-case hex thumbprints that match the DER", () => {
    const x = new X509Certificate(cert.certificatePem);
    expect(x.subject).toBe("CN=partnerd cert tests");
    expect(x.issuer).toBe(x.subject);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.thumbprintSha1).toBe(x.fingerprint.replaceAll(":", ""));
    expect(cert.thumbprintSha256).toBe(x.fingerprint256.replaceAll(":", ""));
    expect(cert.thumbprintSha256).toBe(createHash("sha256").update(x.raw).digest("hex").toUpperCase());
    expect(cert.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(x.checkPrivateKey(createPrivateKey(cert.privateKeyPem))).toBe(true);
    expect(x.validToDate.getTime() - x.validFromDate.getTime()).toBe(365 * 86_400_000);
    expect(cert.notBefore).toEqual(x.validFromDate);
    expect(new X509Certificate(expired.certificatePem).validToDate.getTime()).toBeLessThan(Date.now());
  });
});

describe("client assertions (private_key_jwt) with the real msal-node", () => {
  it("client_credentials with a certificate: PS256 + x5t#S256 + x5c; legacy SHA-1 thumbprint → RS256 + x5t", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: cert.certificatePem });
    const modern = certApp(
      { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem, x5c: cert.certificatePem },
      clientId,
    );
    const r1 = await modern.acquireTokenByClientCredential({ scopes: GRAPH });
    expect(decodeJwtPayload(r1?.accessToken ?? "")).toMatchObject({ azp: clientId, idtyp: "app" });
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      grantType: "client_credentials",
      clientId,
      status: 200,
      clientAuth: "assertion",
      x5c: true,
      assertionAlg: "PS256",
    });

    const legacy = certApp({ thumbprint: cert.thumbprintSha1, privateKey: cert.privateKeyPem }, clientId);
    await legacy.acquireTokenByClientCredential({ scopes: GRAPH });
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      status: 200,
      clientAuth: "assertion",
      x5c: false,
      assertionAlg: "RS256",
    });
  });

  it("an unregistered certificate → 700027 'key was not found' naming the thumbprint", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: cert.certificatePem });
    const app = certApp(
      { thumbprintSha256: other.thumbprintSha256, privateKey: other.privateKeyPem },
      clientId,
    );
    const err = await rejection(app.acquireTokenByClientCredential({ scopes: GRAPH }));
    expect([err.errorCode, String(err.errorNo)]).toEqual(["invalid_client", "700027"]);
    expect(err.message).toContain(
      `AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${other.thumbprintSha256}', Please visit the Azure Portal`,
    );
    expect(err.message).not.toContain("PRIVATE KEY");
    expect(entra.tokenRequests.at(-1)).toMatchObject({
      status: 401,
      errorCode: 700027,
      clientAuth: "assertion",
    });
  });

  it("registered thumbprint but signed with another key → 700027 signature mismatch", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: cert.certificatePem });
    const app = certApp(
      { thumbprintSha256: cert.thumbprintSha256, privateKey: other.privateKeyPem },
      clientId,
    );
    const err = await rejection(app.acquireTokenByClientCredential({ scopes: GRAPH }));
    expect(String(err.errorNo)).toBe("700027");
    expect(err.message).toContain(
      "[Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: ",
    );
  });

  it("assertion time range, issuer, audience and jti are checked (hand-made assertions)", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: cert.certificatePem });
    const key = cert.privateKeyPem;
    const tp = cert.thumbprintSha256;
    const now = Math.floor(Date.now() / 1000);
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { exp: now - 3600, nbf: now - 4200 },
        "700024",
        "Client assertion is not within its valid time range.",
      ],
      [
        { nbf: now + 3600, exp: now + 4200 },
        "700024",
        "Client assertion is not within its valid time range.",
      ],
      [{ iss: randomUUID() }, "700021", "Client assertion application identifier doesn't match 'client_id'"],
      [{ aud: `${entra.url}/common/oauth2/v2.0/authorize` }, "700023", "audience claim does not match"],
      [{ jti: undefined }, "50027", "JWT token is invalid or malformed."],
    ];
    for (const [overrides, code, text] of cases) {
      const app = certApp(
        {
          clientAssertion: assertion({ key, thumbprintSha256: tp, claims: goodClaims(clientId, overrides) }),
        },
        clientId,
      );
      const err = await rejection(app.acquireTokenByClientCredential({ scopes: GRAPH }));
      expect(String(err.errorNo), JSON.stringify(overrides)).toBe(code);
      expect(err.message).toContain(text);
    }
    // The same hand-made assertion, valid, also works for RS256; and can be replayed (msal reuses its JWT).
    const good = assertion({ key, thumbprintSha256: tp, claims: goodClaims(clientId), alg: "RS256" });
    for (let i = 0; i < 2; i++) {
      await expect(
        certApp({ clientAssertion: good }, clientId).acquireTokenByClientCredential({ scopes: GRAPH }),
      ).resolves.toBeTruthy();
    }
    // aud may also be the tenant's v2 issuer.
    const issuerAud = assertion({
      key,
      thumbprintSha256: tp,
      claims: goodClaims(clientId, { aud: `${entra.url}/${entra.tenantId}/v2.0` }),
    });
    await expect(
      certApp({ clientAssertion: issuerAud }, clientId).acquireTokenByClientCredential({ scopes: GRAPH }),
    ).resolves.toBeTruthy();
  });

  it("an expired registered certificate → 700027 'The key used is expired.'", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: expired.certificatePem });
    const app = certApp(
      { thumbprintSha256: expired.thumbprintSha256, privateKey: expired.privateKeyPem },
      clientId,
    );
    const err = await rejection(app.acquireTokenByClientCredential({ scopes: GRAPH }));
    expect(String(err.errorNo)).toBe("700027");
    expect(err.message).toMatch(
      /\[Reason - The key used is expired\., Thumbprint of key used by client: '[0-9A-F]{64}', Found key 'Start=\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d, End=/,
    );
  });

  it("rotation: two registered certificates both work; a secret+certificate app accepts either", async () => {
    const clientId = randomUUID();
    const clientSecret = `SECRET-${randomUUID()}`;
    entra.registerClient({
      clientId,
      clientSecret,
      certificatePem: [cert.certificatePem, other.certificatePem],
    });
    for (const c of [cert, other]) {
      const app = certApp({ thumbprintSha256: c.thumbprintSha256, privateKey: c.privateKeyPem }, clientId);
      await expect(app.acquireTokenByClientCredential({ scopes: GRAPH })).resolves.toBeTruthy();
    }
    const bySecret = new ConfidentialClientApplication({
      auth: {
        clientId,
        clientSecret,
        authority: entra.authority(entra.tenantId),
        knownAuthorities: [entra.host],
      },
      system: { networkClient: net() },
    });
    await expect(bySecret.acquireTokenByClientCredential({ scopes: GRAPH })).resolves.toBeTruthy();
    expect(entra.tokenRequests.slice(-3).map((r) => r.clientAuth)).toEqual([
      "assertion",
      "assertion",
      "secret",
    ]);
  });

  it("refresh_token grant authenticated by certificate (PowerShell -RefreshToken -CertificateThumbprint)", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, certificatePem: cert.certificatePem });
    const rt = entra.issueRefreshToken({ clientId });
    const app = certApp(
      { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem },
      clientId,
    );
    const res = await app.acquireTokenByRefreshToken({ refreshToken: rt, scopes: PC, forceCache: true });
    expect(res?.account?.homeAccountId).toBe(`${entra.user.oid}.${entra.tenantId}`);
    expect(entra.refreshTokenState(rt)).toBe("spent");
    expect(entra.tokenRequests.at(-1)).toMatchObject({ grantType: "refresh_token", clientAuth: "assertion" });
  });

  it("raw protocol: wrong assertion type, both credentials, unsupported alg, public client with assertion", async () => {
    const clientId = randomUUID();
    entra.registerClient({ clientId, clientSecret: "s3cret", certificatePem: cert.certificatePem });
    const post = (form: Record<string, string>) =>
      net().sendPostRequestAsync<Record<string, unknown>>(entra.tokenEndpoint(entra.tenantId), {
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: clientId,
          scope: GRAPH[0] ?? "",
          ...form,
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    const jwt = assertion({
      key: cert.privateKeyPem,
      thumbprintSha256: cert.thumbprintSha256,
      claims: goodClaims(clientId),
    });
    expect((await post({ client_assertion: jwt })).body).toMatchObject({ error_codes: [90014] });
    expect(
      (
        await post({
          client_assertion: jwt,
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
          client_secret: "s3cret",
        })
      ).body,
    ).toMatchObject({ error_codes: [90023] });
    const [h, p] = jwt.split(".");
    const es = `${Buffer.from(JSON.stringify({ alg: "ES256" })).toString("base64url")}.${p}.${h}`;
    expect(
      (await post({ client_assertion: es, client_assertion_type: JWT_BEARER_ASSERTION_TYPE })).body,
    ).toMatchObject({ error_codes: [5002738] });
    expect(
      (await post({ client_assertion: "garbage", client_assertion_type: JWT_BEARER_ASSERTION_TYPE })).body,
    ).toMatchObject({ error: "invalid_request", error_codes: [50027] });
    const ok = await post({ client_assertion: jwt, client_assertion_type: JWT_BEARER_ASSERTION_TYPE });
    expect(ok.status).toBe(200);

    const publicId = randomUUID();
    entra.registerClient({ clientId: publicId });
    const pca = new PublicClientApplication({
      auth: { clientId: publicId, authority: entra.authority(), knownAuthorities: [entra.host] },
      system: { networkClient: net() },
    });
    const rt = entra.issueRefreshToken({ clientId: publicId });
    await expect(pca.acquireTokenByRefreshToken({ refreshToken: rt, scopes: PC })).resolves.toBeTruthy();
    expect(entra.tokenRequests.at(-1)).toMatchObject({ clientAuth: "none", x5c: false });
  });
});
