import { constants, timingSafeEqual, verify } from "node:crypto";
import type { RegisteredCertificate } from "./certificates.ts";
import type { EntraError } from "./errors.ts";
import { aadsts } from "./errors.ts";
import type { ClientRecord } from "./state.ts";
import { isConfidential } from "./state.ts";
import type { ClientAuthKind } from "./types.ts";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * Clock skew tolerated on `nbf` / `exp`, Microsoft.IdentityModel's default (5 minutes). Needed in
 * practice: msal's `nowSeconds()` ROUNDS, so its `nbf` can be up to 0.5 s in the future.
 */
export const ASSERTION_CLOCK_SKEW_S = 300;

/** Where the request arrived; client assertions must be addressed to it. */
export interface ClientAuthContext {
  /** `https://127.0.0.1:PORT` */
  baseUrl: string;
  /** Tenant path segment as requested. */
  tenant: string;
  /** Resolved tenant id. */
  tid: string;
  now: Date;
}

/** How the request tried to authenticate, for the request log (no secret material). */
export interface PresentedClientAuth {
  clientAuth: ClientAuthKind;
  x5c: boolean;
  assertionAlg?: string;
}

/** Reads which credential a token request carries, without validating it. */
export function presentedClientAuth(form: URLSearchParams): PresentedClientAuth {
  const assertion = form.get("client_assertion");
  if (assertion !== null) {
    const header = decodeSegment(assertion.split(".")[0]);
    const alg = typeof header?.alg === "string" ? header.alg.slice(0, 20) : undefined;
    const x5c = header !== undefined && "x5c" in header;
    return alg === undefined
      ? { clientAuth: "assertion", x5c }
      : { clientAuth: "assertion", x5c, assertionAlg: alg };
  }
  return { clientAuth: form.get("client_secret") !== null ? "secret" : "none", x5c: false };
}

/**
 * Authenticates the client of a token request the way Entra does. Public clients must present no
 * credential (700025). Confidential clients (a secret and/or certificates) must present exactly one:
 * `client_secret` (7000215 when wrong), or a `client_assertion` JWT (`private_key_jwt`) checked against the
 * registered certificates: header `alg` RS256/PS256 and `x5t#S256` (or legacy `x5t`) naming a registered,
 * currently valid certificate; a signature that verifies with its key; `iss` = `sub` = client_id; `aud` =
 * this token endpoint (or the tenant's issuer); `nbf` ≤ now < `exp` (± 5 minutes' skew); a `jti`. `jti` replay is allowed
 * (msal reuses one assertion for up to 10 minutes).
 *
 * @returns `undefined` when authenticated, else the Entra error to answer with.
 */
export function authenticateClient(
  client: ClientRecord,
  form: URLSearchParams,
  ctx: ClientAuthContext,
): EntraError | undefined {
  const secret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  if (!isConfidential(client)) {
    return secret !== null || assertion !== null ? aadsts.publicClientWithCredential() : undefined;
  }
  if (secret !== null && assertion !== null) return aadsts.conflictingClientCredentials();
  if (assertion !== null) return checkAssertion(client, form, assertion, ctx);
  if (secret === null || secret === "") return aadsts.missingClientCredential();
  return client.clientSecret !== undefined && secretsEqual(secret, client.clientSecret)
    ? undefined
    : aadsts.invalidClientSecret(client.clientId);
}

function checkAssertion(
  client: ClientRecord,
  form: URLSearchParams,
  assertion: string,
  ctx: ClientAuthContext,
): EntraError | undefined {
  if (form.get("client_assertion_type") !== JWT_BEARER_ASSERTION_TYPE) return aadsts.missingAssertionType();

  const parts = assertion.split(".");
  const [h, p, sig] = parts;
  if (parts.length !== 3 || h === undefined || p === undefined || sig === undefined || sig === "") {
    return aadsts.malformedJwt("The JWT must have three non-empty base64url segments.");
  }
  const header = decodeSegment(h);
  const claims = decodeSegment(p);
  if (!header || !claims) return aadsts.malformedJwt("The JWT header or payload is not base64url JSON.");

  const alg = header.alg;
  if (alg !== "PS256" && alg !== "RS256") return aadsts.unsupportedAssertionAlgorithm(String(alg));

  const x5tS256 = header["x5t#S256"];
  const x5t = header.x5t;
  const sha256 = typeof x5tS256 === "string";
  const presented = thumbprintHex(sha256 ? x5tS256 : x5t);
  const cert = client.certificates.find((c) =>
    sha256 ? c.thumbprintSha256 === presented : c.thumbprintSha1 === presented,
  );
  if (!cert) return aadsts.assertionKeyNotFound(presented, client.clientId);
  if (ctx.now < cert.notBefore || ctx.now > cert.notAfter) return aadsts.assertionKeyExpired(presented, cert);
  if (!signatureValid(cert, alg, `${h}.${p}`, sig)) {
    return aadsts.assertionBadSignature(presented, cert, client.clientId);
  }

  if (claims.iss !== client.clientId || claims.sub !== client.clientId)
    return aadsts.assertionIssuerMismatch();
  if (!audienceValid(claims.aud, ctx)) return aadsts.assertionAudienceMismatch();
  const nowS = ctx.now.getTime() / 1000;
  const exp = typeof claims.exp === "number" ? claims.exp : undefined;
  const nbf = typeof claims.nbf === "number" ? claims.nbf : undefined;
  if (
    exp === undefined ||
    exp <= nowS - ASSERTION_CLOCK_SKEW_S ||
    (nbf !== undefined && nbf > nowS + ASSERTION_CLOCK_SKEW_S)
  ) {
    return aadsts.assertionTimeRange(ctx.now, seconds(nbf), seconds(exp));
  }
  if (typeof claims.jti !== "string" || claims.jti === "") {
    return aadsts.malformedJwt("The client assertion has no 'jti' claim.");
  }
  return undefined;
}

function signatureValid(
  cert: RegisteredCertificate,
  alg: "PS256" | "RS256",
  data: string,
  sig: string,
): boolean {
  try {
    return verify(
      "sha256",
      Buffer.from(data, "ascii"),
      alg === "PS256"
        ? { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : { key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(sig, "base64url"),
    );
  } catch {
    return false;
  }
}

/** `aud` may be this token endpoint (v2 or v1, tenant as requested or as GUID) or the tenant's issuer. */
function audienceValid(aud: unknown, ctx: ClientAuthContext): boolean {
  const audiences = Array.isArray(aud) ? aud : [aud];
  const port = new URL(ctx.baseUrl).port;
  const accepted = new Set<string>();
  for (const base of [ctx.baseUrl, `https://localhost:${port}`]) {
    for (const t of new Set([ctx.tenant, ctx.tid])) {
      accepted.add(`${base}/${t}/oauth2/v2.0/token`.toLowerCase());
      accepted.add(`${base}/${t}/oauth2/token`.toLowerCase());
    }
    accepted.add(`${base}/${ctx.tid}/v2.0`.toLowerCase());
  }
  return audiences.some((a) => typeof a === "string" && accepted.has(a.toLowerCase()));
}

/** base64url thumbprint header → upper-case hex (`""` when absent). */
function thumbprintHex(value: unknown): string {
  return typeof value === "string" ? Buffer.from(value, "base64url").toString("hex").toUpperCase() : "";
}

function seconds(s: number | undefined): Date | undefined {
  return s === undefined ? undefined : new Date(s * 1000);
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
