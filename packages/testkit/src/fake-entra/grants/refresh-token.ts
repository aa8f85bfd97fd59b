import { aadsts } from "../errors.ts";
import { resourceScopes, splitScopes } from "../minting.ts";
import type { GrantHandler } from "./types.ts";
import { DEFAULT_SCOPE, hasScope, userTokenResponse } from "./user-tokens.ts";

/**
 * `grant_type=refresh_token`: checks the presented RT (exists, same client, not expired/revoked/spent),
 * rotates it per `state.rotation`, and answers with Entra's user token response. The new RT continues the
 * presented one's grant. With `reuse-revokes-grant`, a spent RT revokes its whole grant.
 */
export const refreshTokenGrant: GrantHandler = (ctx) => {
  const { state, form, client, now } = ctx;
  const presented = form.get("refresh_token");
  if (!presented) return { ok: false, error: aadsts.missingParameter("refresh_token") };
  const requested = splitScopes(form.get("scope"));
  if (requested.length === 0) return { ok: false, error: aadsts.missingParameter("scope") };

  const rt = state.refreshToken(presented);
  if (!rt) return { ok: false, error: aadsts.malformedRequest() };
  rt.presentations++;
  if (rt.clientId !== client.clientId) return { ok: false, error: aadsts.grantForOtherClient() };
  if (rt.state === "expired") return { ok: false, error: aadsts.refreshTokenExpired(rt.issuedAt) };
  if (rt.state === "spent" && state.rotation === "reuse-revokes-grant") {
    state.revokeGrantForReuse(rt.grantId, now);
  }
  if (rt.state !== "valid") return { ok: false, error: aadsts.refreshTokenRevoked() };

  const resource = resourceScopes(requested);
  const scopes = resource.length > 0 ? resource : rt.scopes.length > 0 ? rt.scopes : [DEFAULT_SCOPE];
  const body = userTokenResponse(ctx, {
    scopes,
    refreshTokenScopes: [...new Set([...rt.scopes, ...resource])],
    grantId: rt.grantId,
    idToken: hasScope(requested, "openid"),
  });
  if (state.rotation !== "keep-old") state.setRefreshTokenState(presented, "spent");
  state.redemptionCount++;
  return { ok: true, body };
};
