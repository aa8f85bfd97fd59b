import type { TokenResult } from "@partnerd/core";

/**
 * The JSON `partnerd token --json` prints: the shape of the cmdlet's AuthResult, so a PowerShell
 * script's `$token.AccessToken` / `$token.ExpiresOn` port directly. `RefreshToken` only on request.
 */
export function toAuthResult(
  token: TokenResult,
  { includeRefreshToken = false } = {},
): Record<string, unknown> {
  const account = token.account;
  const [objectId, tenantId] = account?.homeAccountId.split(".") ?? [];
  return {
    ...(includeRefreshToken ? { RefreshToken: token.refreshToken?.reveal() ?? null } : {}),
    AccessToken: token.accessToken.reveal(),
    IsExtendedLifeTimeToken: false,
    UniqueId: token.uniqueId ?? null,
    ExpiresOn: token.expiresOn.toISOString(),
    ExtendedExpiresOn: (token.extendedExpiresOn ?? token.expiresOn).toISOString(),
    TenantId: token.tenantId || null,
    Account: account
      ? {
          Username: account.username,
          Environment: account.environment,
          HomeAccountId: {
            Identifier: account.homeAccountId,
            ObjectId: objectId ?? null,
            TenantId: tenantId ?? null,
          },
        }
      : null,
    IdToken: token.idToken?.reveal() ?? null,
    Scopes: token.scopes,
    CorrelationId: token.correlationId,
  };
}
