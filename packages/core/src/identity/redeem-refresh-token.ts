import { randomUUID } from "node:crypto";
import type { EnvironmentName } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import { Secret } from "../secret.ts";
import { resolveAuthority } from "./clouds.ts";
import { extractRefreshToken } from "./extract-refresh-token.ts";
import { createMsalApp } from "./msal-app.ts";
import type { NetworkClient } from "./network-client.ts";

export interface RedeemRequest {
  applicationId: string;
  environment: EnvironmentName;
  authority?: string | undefined;
  tenant: string;
  scopes: string[];
  clientSecret?: Secret | undefined;
  refreshToken: Secret;
  correlationId?: string;
}

export interface Redemption {
  /** The rotated refresh token; `undefined` when the provider did not send a new one. */
  refreshToken: Secret | undefined;
  accessToken: Secret;
  accessTokenExpiresAt: Date;
  scopes: string[];
  tenantId: string;
  username: string | undefined;
  correlationId: string;
}

/**
 * Redeems a refresh token once. `forceCache: true` makes msal store the result even though the account
 * was never in this app's cache; the rotated token is then read from the serialized cache.
 */
export async function redeemRefreshToken(
  request: RedeemRequest,
  network: NetworkClient,
  logger: Logger,
): Promise<Redemption> {
  const correlationId = request.correlationId ?? randomUUID();
  const app = createMsalApp({
    clientId: request.applicationId,
    authority: resolveAuthority(request),
    clientSecret: request.clientSecret,
    network,
    logger,
  });
  const result = await app.acquireTokenByRefreshToken({
    refreshToken: request.refreshToken.reveal(),
    scopes: request.scopes,
    forceCache: true,
    correlationId,
  });
  if (!result?.accessToken) throw new Error("the identity provider returned no access token");
  const rotated = result.account
    ? extractRefreshToken(app.getTokenCache().serialize(), result.account, request.applicationId)
    : undefined;
  return {
    refreshToken: rotated ? new Secret(rotated) : undefined,
    accessToken: new Secret(result.accessToken),
    accessTokenExpiresAt: result.expiresOn ?? new Date(),
    scopes: result.scopes,
    tenantId: result.tenantId,
    username: result.account?.username,
    correlationId: result.correlationId || correlationId,
  };
}
