import {
  ACCESS_TOKEN_LIFETIME_S,
  clientInfo,
  mintIdToken,
  mintUserAccessToken,
  REFRESH_TOKEN_LIFETIME_S,
} from "../minting.ts";
import type { GrantContext } from "./types.ts";

/** Fallback resource scope when a request asks only for OIDC scopes and nothing else is known. */
export const DEFAULT_SCOPE = "User.Read";

export interface UserTokenResponseInput {
  /** Resource scopes of the access token (never empty). */
  scopes: string[];
  /** Scopes recorded on the new refresh token; `undefined` = issue none (no `offline_access`). */
  refreshTokenScopes: string[] | undefined;
  /** Add an id_token (the grant included `openid`). */
  idToken: boolean;
  /** The grant a new refresh token continues (refresh_token flow); a new grant when omitted. */
  grantId?: string;
  /** `nonce` claim of the id_token (auth code flow only). */
  nonce?: string;
}

/**
 * Entra's user token response (authorization_code, refresh_token, device_code): `token_type, scope,
 * expires_in, ext_expires_in, access_token[, refresh_token, refresh_token_expires_in][, id_token]
 * [, client_info]`. A new refresh token is recorded as valid in the RT registry. `client_info` is added
 * when the form asked for it (`client_info=1`) unless the fake runs in generic-OIDC mode.
 */
export function userTokenResponse(ctx: GrantContext, input: UserTokenResponseInput): Record<string, unknown> {
  const { state, client, tid, issuer, now, form } = ctx;
  const { user } = state;
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
    scope: input.scopes.join(" "),
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
    access_token: mintUserAccessToken({ ...claims, scopes: input.scopes }),
  };
  if (input.refreshTokenScopes !== undefined) {
    body.refresh_token = state.issueRefreshToken(
      { clientId: client.clientId, scopes: input.refreshTokenScopes },
      input.grantId,
    );
    body.refresh_token_expires_in = REFRESH_TOKEN_LIFETIME_S;
  }
  if (input.idToken) {
    body.id_token = mintIdToken(input.nonce === undefined ? claims : { ...claims, nonce: input.nonce });
  }
  if (form.get("client_info") === "1" && !state.oidc) body.client_info = clientInfo(user.oid, user.tenantId);
  state.recordIssued(body.access_token, body.refresh_token, body.id_token);
  return body;
}

export function hasScope(scopes: readonly string[], name: string): boolean {
  return scopes.some((s) => s.toLowerCase() === name);
}
