import { PartnerdError } from "../errors.ts";

/** What the cmdlet's AccessToken set reports about a token it is handed, without any network call. */
export interface AccessTokenInfo {
  tenantId: string;
  /** Delegated scopes (`scp`) or app roles (`roles`). */
  scopes: string[];
  expiresOn: Date;
  username: string | undefined;
  objectId: string | undefined;
  audience: string | undefined;
}

export class AccessTokenError extends PartnerdError {
  constructor(message: string) {
    super("ACCESS_TOKEN_INVALID", message, { exitCode: 2 });
  }
}

/** The claims of a JWT, or a reason it is not one. Signatures are not checked (partnerd is not the audience). */
export function readJwtClaims(token: string): { claims: Record<string, unknown> } | { problem: string } {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || parts[0] === "" || parts[1] === "") {
    return { problem: "is not a JWT (expected three dot-separated parts)" };
  }
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    if (typeof claims === "object" && claims !== null && !Array.isArray(claims)) {
      return { claims: claims as Record<string, unknown> };
    }
  } catch {
    // reported below
  }
  return { problem: "has a payload that is not base64url-encoded JSON" };
}

/** Parses a JWT access token; rejects a malformed or expired one with a message that never quotes it. */
export function describeAccessToken(token: string, now = new Date()): AccessTokenInfo {
  const read = readJwtClaims(token);
  if ("problem" in read) throw new AccessTokenError(`the access token ${read.problem}`);
  const { claims } = read;
  if (typeof claims.exp !== "number")
    throw new AccessTokenError("the access token has no exp (expiry) claim");
  const expiresOn = new Date(claims.exp * 1000);
  if (expiresOn <= now) {
    throw new AccessTokenError(
      `the access token expired at ${expiresOn.toISOString()}; generate a new one and try again`,
    );
  }
  if (typeof claims.tid !== "string")
    throw new AccessTokenError("the access token has no tid (tenant) claim");
  const scopes =
    typeof claims.scp === "string"
      ? claims.scp.split(" ").filter(Boolean)
      : Array.isArray(claims.roles)
        ? claims.roles.filter((r): r is string => typeof r === "string")
        : [];
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return {
    tenantId: claims.tid,
    scopes,
    expiresOn,
    username: text(claims.upn) ?? text(claims.preferred_username) ?? text(claims.unique_name),
    objectId: text(claims.oid),
    audience: text(claims.aud),
  };
}
