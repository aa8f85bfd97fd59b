import type { AuthenticationResult } from "@azure/msal-node";
import { Secret } from "../secret.ts";
import { readJwtClaims } from "./access-token.ts";
import { extractRefreshToken } from "./extract-refresh-token.ts";
import type { MsalApp } from "./msal-app.ts";

export interface TokenAccount {
  username: string;
  /** `<oid>.<tenant id>`, msal's home account id. */
  homeAccountId: string;
  environment: string;
  tenantId: string;
  localAccountId: string;
}

/** What any flow yields; every token wrapped in `Secret`. */
export interface TokenResult {
  accessToken: Secret;
  expiresOn: Date;
  extendedExpiresOn: Date | undefined;
  tenantId: string;
  /** Scopes the server granted. */
  scopes: string[];
  account: TokenAccount | undefined;
  uniqueId: string | undefined;
  idToken: Secret | undefined;
  /** The refresh token msal cached for this account and client; `undefined` for app-only tokens. */
  refreshToken: Secret | undefined;
  correlationId: string;
}

/** Builds a `TokenResult`, reading the refresh token from msal's serialized cache (msal never returns it). */
export function toTokenResult(
  result: AuthenticationResult | null,
  app: MsalApp,
  clientId: string,
): TokenResult {
  if (!result?.accessToken) throw new Error("the identity provider returned no access token");
  const account = result.account ?? undefined;
  const refreshToken = account
    ? extractRefreshToken(app.getTokenCache().serialize(), account, clientId)
    : undefined;
  return {
    accessToken: new Secret(result.accessToken),
    expiresOn: result.expiresOn ?? new Date(),
    extendedExpiresOn: result.extExpiresOn ?? undefined,
    // msal leaves it empty for app-only tokens; the token itself says which tenant issued it.
    tenantId: result.tenantId || tenantOf(result.accessToken),
    scopes: result.scopes,
    account: account && {
      username: account.username,
      homeAccountId: account.homeAccountId,
      environment: account.environment,
      tenantId: account.tenantId,
      localAccountId: account.localAccountId,
    },
    uniqueId: result.uniqueId || undefined,
    idToken: result.idToken ? new Secret(result.idToken) : undefined,
    refreshToken: refreshToken ? new Secret(refreshToken) : undefined,
    correlationId: result.correlationId,
  };
}

function tenantOf(accessToken: string): string {
  const read = readJwtClaims(accessToken);
  return "claims" in read && typeof read.claims.tid === "string" ? read.claims.tid : "";
}
