import { clientCredentialsGrant } from "./client-credentials.ts";
import { refreshTokenGrant } from "./refresh-token.ts";
import type { GrantHandler } from "./types.ts";

export type { GrantContext, GrantHandler, GrantResult } from "./types.ts";

/**
 * Supported `grant_type`s. Later grants (authorization_code + PKCE, device_code and its RFC 8628 URN,
 * jwt-bearer OBO) slot in here with their own handler file.
 */
export const grantHandlers: ReadonlyMap<string, GrantHandler> = new Map<string, GrantHandler>([
  ["refresh_token", refreshTokenGrant],
  ["client_credentials", clientCredentialsGrant],
]);
