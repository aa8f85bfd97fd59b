import { aadsts } from "../errors.ts";
import { resourceScopes } from "../minting.ts";
import type { GrantHandler } from "./types.ts";
import { DEFAULT_SCOPE, hasScope, userTokenResponse } from "./user-tokens.ts";

/**
 * `grant_type=device_code` (msal) or `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628): polls a
 * device code from `/devicecode`. Pending → `authorization_pending` (70016); declined →
 * `authorization_declined`; past `expires_in` → `expired_token` (70020); approved → the user token
 * response, after which the device code is spent.
 */
export const deviceCodeGrant: GrantHandler = (ctx) => {
  const { state, form, client, now } = ctx;
  const deviceCode = form.get("device_code");
  if (!deviceCode) return { ok: false, error: aadsts.missingParameter("device_code") };
  const record = state.deviceCodeRecord(deviceCode, now);
  if (!record) return { ok: false, error: aadsts.badVerificationCode() };
  if (record.clientId !== client.clientId) return { ok: false, error: aadsts.grantForOtherClient() };

  if (
    record.state === "pending" &&
    record.approveAfterPolls !== undefined &&
    record.pendingPolls >= record.approveAfterPolls
  ) {
    record.state = "approved";
  }
  switch (record.state) {
    case "pending":
      record.pendingPolls++;
      return { ok: false, error: aadsts.authorizationPending() };
    case "declined":
      return { ok: false, error: aadsts.authorizationDeclined() };
    case "expired":
      return { ok: false, error: aadsts.deviceCodeExpired() };
    case "redeemed":
      return { ok: false, error: aadsts.grantForOtherClient() };
    case "approved":
      break;
  }

  record.state = "redeemed";
  const granted = resourceScopes(record.scopes);
  const body = userTokenResponse(ctx, {
    scopes: granted.length > 0 ? granted : [DEFAULT_SCOPE],
    refreshTokenScopes: hasScope(record.scopes, "offline_access") ? granted : undefined,
    idToken: hasScope(record.scopes, "openid"),
  });
  return { ok: true, body };
};
