import type { ProfileConfig } from "../config/types.ts";
import { PartnerdError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import { classifyRedeemError } from "./classify-error.ts";
import type { AppCredential } from "./credential.ts";
import { type AuthorizationCodeOptions, consentWithAuthorizationCode } from "./flows/authorization-code.ts";
import { acquireAppToken } from "./flows/client-credentials.ts";
import type { FlowContext } from "./flows/context.ts";
import { consentWithDeviceCode, type DeviceCodeOptions } from "./flows/device-code.ts";
import { redeemRefreshToken } from "./flows/refresh-token.ts";
import type { HttpTransport } from "./network-client.ts";
import type { TokenResult } from "./token-result.ts";

/** Every flow partnerd runs; failures arrive as classified `RefreshError`s (transient or terminal). */
export interface IdentityClient {
  redeem(
    profile: ProfileConfig,
    credential: AppCredential | undefined,
    refreshToken: Secret,
  ): Promise<TokenResult>;
  appToken(profile: ProfileConfig, credential: AppCredential): Promise<TokenResult>;
  consentInBrowser(
    profile: ProfileConfig,
    credential: AppCredential | undefined,
    options: AuthorizationCodeOptions,
  ): Promise<TokenResult>;
  consentWithDeviceCode(profile: ProfileConfig, options: DeviceCodeOptions): Promise<TokenResult>;
}

export function createIdentityClient(transport: HttpTransport, logger: Logger): IdentityClient {
  const run = async <T>(
    profile: ProfileConfig,
    credential: AppCredential | undefined,
    flow: (context: FlowContext) => Promise<T>,
  ): Promise<T> => {
    const network = transport.client();
    try {
      return await flow({ profile, credential, network, logger: logger.child({ profile: profile.name }) });
    } catch (error) {
      // Our own errors (consent cancelled, ports exhausted, bad certificate) already say what happened.
      if (error instanceof PartnerdError) throw error;
      throw classifyRedeemError(error, {
        profile: profile.name,
        retryAfterMs: network.lastRetryAfterMs,
        transportError: network.lastTransportError,
      });
    }
  };
  return {
    redeem: (profile, credential, refreshToken) =>
      run(profile, credential, (context) => redeemRefreshToken(context, refreshToken)),
    appToken: (profile, credential) => run(profile, credential, acquireAppToken),
    consentInBrowser: (profile, credential, options) =>
      run(profile, credential, (context) => consentWithAuthorizationCode(context, options)),
    consentWithDeviceCode: (profile, options) =>
      run(profile, undefined, (context) => consentWithDeviceCode(context, options)),
  };
}
