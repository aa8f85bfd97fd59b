import { aadsts } from "../errors.ts";
import { ACCESS_TOKEN_LIFETIME_S, mintAppAccessToken, resourceScopes, splitScopes } from "../minting.ts";
import { isConfidential } from "../state.ts";
import type { GrantHandler } from "./types.ts";

/**
 * `grant_type=client_credentials`: confidential clients only, exactly one `<resource>/.default` scope;
 * answers with an app-only access token (no refresh token, no id_token).
 */
export const clientCredentialsGrant: GrantHandler = ({ state, form, client, tid, issuer, now }) => {
  if (!isConfidential(client)) return { ok: false, error: aadsts.missingClientCredential() };
  const requested = splitScopes(form.get("scope"));
  if (requested.length === 0) return { ok: false, error: aadsts.missingParameter("scope") };
  const scopes = resourceScopes(requested);
  const [scope] = scopes;
  if (scopes.length !== 1 || scope === undefined || !scope.endsWith("/.default")) {
    return { ok: false, error: aadsts.invalidDefaultScope(requested.join(" ")) };
  }
  const accessToken = mintAppAccessToken({
    issuer,
    clientId: client.clientId,
    tid,
    servicePrincipalId: client.servicePrincipalId,
    scopes,
    now,
  });
  state.recordIssued(accessToken);
  return {
    ok: true,
    body: {
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
      access_token: accessToken,
    },
  };
};
