import { aadsts } from "../errors.ts";
import {
  ACCESS_TOKEN_LIFETIME_S,
  clientInfo,
  mintIdToken,
  mintUserAccessToken,
  REFRESH_TOKEN_LIFETIME_S,
  resourceScopes,
  splitScopes,
} from "../minting.ts";
import type { GrantHandler } from "./types.ts";

/** Fallback resource scope when a request asks only for OIDC scopes and the RT has none recorded. */
const DEFAULT_SCOPE = "User.Read";

/**
 * `grant_type=refresh_token`: checks the presented RT (exists, same client, not expired/revoked/spent),
 * rotates it per `state.rotation`, and answers with Entra's user token response.
 */
export const refreshTokenGrant: GrantHandler = ({ state, form, client, tid, issuer, now }) => {
  const presented = form.get("refresh_token");
  if (!presented) return { ok: false, error: aadsts.missingParameter("refresh_token") };
  const requested = splitScopes(form.get("scope"));
  if (requested.length === 0) return { ok: false, error: aadsts.missingParameter("scope") };

  const rt = state.refreshToken(presented);
  if (!rt) return { ok: false, error: aadsts.malformedRequest() };
  if (rt.clientId !== client.clientId) return { ok: false, error: aadsts.grantForOtherClient() };
  if (rt.state === "expired") return { ok: false, error: aadsts.refreshTokenExpired(rt.issuedAt) };
  if (rt.state !== "valid") return { ok: false, error: aadsts.refreshTokenRevoked() };

  const resource = resourceScopes(requested);
  const scopes = resource.length > 0 ? resource : rt.scopes.length > 0 ? rt.scopes : [DEFAULT_SCOPE];
  const { user } = state;

  const next = state.issueRefreshToken({
    clientId: client.clientId,
    scopes: [...new Set([...rt.scopes, ...resource])],
  });
  if (state.rotation === "single-use") state.setRefreshTokenState(presented, "spent");
  state.redemptionCount++;

  const claims = {
    issuer,
    clientId: client.clientId,
    tid,
    oid: user.oid,
    name: user.name,
    preferredUsername: user.preferredUsername,
    now,
  };
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: scopes.join(" "),
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
    access_token: mintUserAccessToken({ ...claims, scopes }),
    refresh_token: next,
    refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_S,
  };
  if (requested.some((s) => s.toLowerCase() === "openid")) body.id_token = mintIdToken(claims);
  if (form.get("client_info") === "1") body.client_info = clientInfo(user.oid, user.tenantId);
  return { ok: true, body };
};
