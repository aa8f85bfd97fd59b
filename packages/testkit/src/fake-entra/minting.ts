import { randomBytes, randomUUID } from "node:crypto";

/** Standard OIDC scopes Entra strips from the `scope` it returns. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(["openid", "profile", "offline_access", "email"]);

/** Microsoft Graph's application id, the audience of bare scopes like `User.Read`. */
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

export const ACCESS_TOKEN_LIFETIME_S = 3599;
export const REFRESH_TOKEN_LIFETIME_S = 90 * 24 * 3600;

export function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** An unsigned (`alg: none`) but well-formed compact JWT: `header.payload.` — msal never checks signatures. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ typ: "JWT", alg: "none" }))}.${base64url(JSON.stringify(claims))}.`;
}

/** Decodes a JWT payload (no verification). For tests. */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const part = jwt.split(".")[1];
  if (part === undefined) throw new Error("not a JWT");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** `client_info`: base64url(JSON `{uid, utid}`), from which msal derives `homeAccountId = uid.utid`. */
export function clientInfo(uid: string, utid: string): string {
  return base64url(JSON.stringify({ uid, utid }));
}

/** A random opaque refresh token shaped like Entra's (`0.A…`, base64url, a few hundred chars). */
export function newRefreshTokenValue(): string {
  return `0.AX${randomBytes(180).toString("base64url")}`;
}

/** Scopes without the OIDC ones, de-duplicated, order kept. */
export function resourceScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.filter((s) => s !== "" && !OIDC_SCOPES.has(s.toLowerCase())))];
}

export function splitScopes(scope: string | null | undefined): string[] {
  return (scope ?? "").split(/\s+/).filter((s) => s !== "");
}

/**
 * The resource a scope belongs to: `https://api.partnercenter.microsoft.com/user_impersonation` →
 * `https://api.partnercenter.microsoft.com`; a bare `User.Read` → Microsoft Graph.
 */
export function audienceOf(scope: string | undefined): string {
  if (!scope) return GRAPH_APP_ID;
  const slash = scope.lastIndexOf("/");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(scope) && slash > scope.indexOf("//") + 1) return scope.slice(0, slash);
  if (/^[0-9a-f-]{36}\//i.test(scope)) return scope.slice(0, 36);
  return GRAPH_APP_ID;
}

/** The `scp` value: scope names without their resource prefix. */
export function scpOf(scopes: readonly string[]): string {
  return scopes.map((s) => s.slice(s.lastIndexOf("/") + 1)).join(" ");
}

export interface UserTokenInput {
  issuer: string;
  clientId: string;
  tid: string;
  oid: string;
  name: string;
  preferredUsername: string;
  scopes: readonly string[];
  now: Date;
}

function times(now: Date, lifetime: number): { iat: number; nbf: number; exp: number } {
  const iat = Math.floor(now.getTime() / 1000);
  return { iat, nbf: iat, exp: iat + lifetime };
}

/** A delegated (user) access token. */
export function mintUserAccessToken(i: UserTokenInput): string {
  return unsignedJwt({
    aud: audienceOf(i.scopes[0]),
    iss: i.issuer,
    ...times(i.now, ACCESS_TOKEN_LIFETIME_S),
    azp: i.clientId,
    appid: i.clientId,
    azpacr: "1",
    idtyp: "user",
    name: i.name,
    oid: i.oid,
    preferred_username: i.preferredUsername,
    upn: i.preferredUsername,
    scp: scpOf(i.scopes),
    sub: subjectOf(i.oid, i.clientId),
    tid: i.tid,
    uti: base64url(randomBytes(16)),
    ver: "2.0",
  });
}

/**
 * An id_token. Carries `nonce` only when the authorize request sent one (msal then demands the same
 * nonce in `acquireTokenByCode`); refresh-token and device-code id_tokens never have one.
 */
export function mintIdToken(i: Omit<UserTokenInput, "scopes"> & { nonce?: string }): string {
  return unsignedJwt({
    aud: i.clientId,
    iss: i.issuer,
    ...times(i.now, ACCESS_TOKEN_LIFETIME_S),
    ...(i.nonce === undefined ? {} : { nonce: i.nonce }),
    name: i.name,
    oid: i.oid,
    preferred_username: i.preferredUsername,
    sub: subjectOf(i.oid, i.clientId),
    tid: i.tid,
    uti: base64url(randomBytes(16)),
    ver: "2.0",
  });
}

export interface AppTokenInput {
  issuer: string;
  clientId: string;
  tid: string;
  servicePrincipalId: string;
  scopes: readonly string[];
  now: Date;
}

/** An app-only (client credentials) access token: `roles` empty, `idtyp: app`, no user claims. */
export function mintAppAccessToken(i: AppTokenInput): string {
  return unsignedJwt({
    aud: audienceOf(i.scopes[0]),
    iss: i.issuer,
    ...times(i.now, ACCESS_TOKEN_LIFETIME_S),
    azp: i.clientId,
    appid: i.clientId,
    azpacr: "1",
    idtyp: "app",
    oid: i.servicePrincipalId,
    roles: [],
    sub: i.servicePrincipalId,
    tid: i.tid,
    uti: base64url(randomBytes(16)),
    ver: "2.0",
  });
}

/** Entra's `sub` is pairwise per app; a stable derivation is enough for a fake. */
function subjectOf(oid: string, clientId: string): string {
  return base64url(Buffer.from(`${oid}|${clientId}`)).slice(0, 43);
}

export function newGuid(): string {
  return randomUUID();
}
