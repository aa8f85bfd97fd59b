import type { AccountInfo } from "@azure/msal-node";

interface SerializedRefreshToken {
  credential_type?: string;
  home_account_id?: string;
  environment?: string;
  client_id?: string;
  family_id?: string;
  secret?: string;
}

/**
 * msal never returns the refresh token; it only lives in the serialized cache. Pick the one entry for
 * this account, cloud and client by its fields (key formats changed across msal versions).
 */
export function extractRefreshToken(
  serializedCache: string,
  account: Pick<AccountInfo, "homeAccountId" | "environment">,
  clientId: string,
): string | undefined {
  const cache = JSON.parse(serializedCache) as { RefreshToken?: Record<string, SerializedRefreshToken> };
  const matches = Object.values(cache.RefreshToken ?? {}).filter(
    (entry) =>
      entry.credential_type === "RefreshToken" &&
      entry.home_account_id === account.homeAccountId &&
      entry.environment === account.environment &&
      (entry.client_id === clientId || entry.family_id === "1"),
  );
  if (matches.length > 1) {
    throw new Error(`token cache holds ${matches.length} refresh tokens for one account; expected one`);
  }
  return matches[0]?.secret;
}
