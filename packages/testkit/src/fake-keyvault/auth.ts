import type { IncomingHttpHeaders } from "node:http";
import type { Reply } from "../fake-entra/http.ts";
import { kvErrors } from "./errors.ts";

/** The resource (audience) of Key Vault's data plane in the public cloud. */
export const KEY_VAULT_RESOURCE = "https://vault.azure.net";

/** Who a bearer token speaks for; what the 403 message and `deny({ principal })` look at. */
export interface Caller {
  appid: string;
  oid: string;
  tid: string;
}

export type AuthResult = { ok: true; caller: Caller } | { ok: false; reply: Reply };

/** `Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"`, as Key Vault sends. */
export function challengeHeader(authority: string, tenantId: string, error?: string): string {
  const base = `Bearer authorization="${authority.replace(/\/+$/, "")}/${tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
  return error === undefined ? base : `${base}, error="${error}"`;
}

/**
 * Checks the `Authorization` header: no bearer → 401 challenge; a bearer JWT (signature not checked)
 * must have `aud` = `https://vault.azure.net` and `tid` = the vault's tenant.
 */
export function authenticate(headers: IncomingHttpHeaders, authority: string, tenantId: string): AuthResult {
  const header = headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    return {
      ok: false,
      reply: kvErrors.unauthorized(
        "AKV10000: Request is missing a Bearer or PoP token.",
        challengeHeader(authority, tenantId),
      ),
    };
  }
  const invalid = (message: string): AuthResult => ({
    ok: false,
    reply: kvErrors.unauthorized(message, challengeHeader(authority, tenantId, "invalid_token")),
  });
  const claims = decodeClaims(match[1]);
  if (claims === undefined) return invalid("AKV10001: The bearer token is not a valid JWT.");
  const aud = typeof claims.aud === "string" ? claims.aud.replace(/\/+$/, "") : "";
  if (aud !== KEY_VAULT_RESOURCE) {
    return invalid(`AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${aud || "(none)"}.`);
  }
  const tid = typeof claims.tid === "string" ? claims.tid : "";
  if (tid !== tenantId) {
    return invalid(
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${tenantId}/, https://login.microsoftonline.com/${tenantId}/v2.0, found: tenant ${tid || "(none)"}.`,
    );
  }
  const appid = stringClaim(claims.appid) ?? stringClaim(claims.azp) ?? "";
  return { ok: true, caller: { appid, oid: stringClaim(claims.oid) ?? "", tid } };
}

/** The principal as Key Vault spells it in a 403 message. */
export function describeCaller(caller: Caller): string {
  return `appid=${caller.appid};oid=${caller.oid};iss=https://sts.windows.net/${caller.tid}/`;
}

function decodeClaims(jwt: string): Record<string, unknown> | undefined {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
