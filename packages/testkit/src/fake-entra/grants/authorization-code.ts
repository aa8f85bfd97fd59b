import { createHash } from "node:crypto";
import { aadsts } from "../errors.ts";
import { resourceScopes, splitScopes } from "../minting.ts";
import type { AuthorizationCodeRecord } from "../state.ts";
import type { GrantHandler } from "./types.ts";
import { DEFAULT_SCOPE, hasScope, userTokenResponse } from "./user-tokens.ts";

/** RFC 7636 §4.1: 43–128 characters of [A-Za-z0-9-._~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * `grant_type=authorization_code`: redeems a code from `/authorize` once. The code is bound to its client,
 * redirect_uri (exact string), scopes, PKCE challenge and nonce. Failed attempts leave the code unspent;
 * a successful one spends it (a second use → AADSTS54005).
 */
export const authorizationCodeGrant: GrantHandler = (ctx) => {
  const { state, form, client, now } = ctx;
  const code = form.get("code");
  if (!code) return { ok: false, error: aadsts.missingParameter("code") };
  const record = state.authorizationCode(code, now);
  if (!record) return { ok: false, error: aadsts.malformedRequest() };
  if (record.clientId !== client.clientId) return { ok: false, error: aadsts.grantForOtherClient() };
  if (record.status === "redeemed") return { ok: false, error: aadsts.authorizationCodeRedeemed() };
  if (record.status === "expired") return { ok: false, error: aadsts.authorizationCodeExpired() };

  const redirectUri = form.get("redirect_uri");
  if (redirectUri === null || redirectUri === "") {
    return { ok: false, error: aadsts.missingParameter("redirect_uri") };
  }
  if (redirectUri !== record.redirectUri) {
    return { ok: false, error: aadsts.replyAddressMismatch(redirectUri, record.redirectUri) };
  }
  const pkceError = checkPkce(record, form.get("code_verifier"));
  if (pkceError) return { ok: false, error: pkceError };

  const granted = resourceScopes(record.scopes);
  const requested = resourceScopes(splitScopes(form.get("scope")));
  const lowerGranted = new Set(granted.map((s) => s.toLowerCase()));
  const extra = requested.find((s) => !lowerGranted.has(s.toLowerCase()));
  if (extra !== undefined) return { ok: false, error: aadsts.invalidScope(extra) };

  record.status = "redeemed";
  const scopes = requested.length > 0 ? requested : granted.length > 0 ? granted : [DEFAULT_SCOPE];
  const body = userTokenResponse(ctx, {
    scopes,
    refreshTokenScopes: hasScope(record.scopes, "offline_access") ? granted : undefined,
    idToken: hasScope(record.scopes, "openid"),
    ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
  });
  return { ok: true, body };
};

function checkPkce(record: AuthorizationCodeRecord, verifier: string | null) {
  // Like Entra, a code_verifier for a code that had no challenge is ignored.
  if (record.codeChallenge === undefined) return undefined;
  if (verifier === null || verifier === "") return aadsts.codeVerifierMissing();
  if (!VERIFIER.test(verifier)) return aadsts.codeVerifierMismatch();
  const derived =
    record.codeChallengeMethod === "S256"
      ? createHash("sha256").update(verifier, "ascii").digest("base64url")
      : verifier;
  return derived === record.codeChallenge ? undefined : aadsts.codeVerifierMismatch();
}
