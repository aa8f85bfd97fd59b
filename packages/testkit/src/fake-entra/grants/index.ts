import { authorizationCodeGrant } from "./authorization-code.ts";
import { clientCredentialsGrant } from "./client-credentials.ts";
import { deviceCodeGrant } from "./device-code.ts";
import { refreshTokenGrant } from "./refresh-token.ts";
import type { GrantHandler } from "./types.ts";

export type { GrantContext, GrantHandler, GrantResult } from "./types.ts";

/** Supported `grant_type`s. A jwt-bearer OBO grant would slot in here with its own handler file. */
export const grantHandlers: ReadonlyMap<string, GrantHandler> = new Map<string, GrantHandler>([
  ["refresh_token", refreshTokenGrant],
  ["client_credentials", clientCredentialsGrant],
  ["authorization_code", authorizationCodeGrant],
  ["device_code", deviceCodeGrant],
  ["urn:ietf:params:oauth:grant-type:device_code", deviceCodeGrant],
]);
