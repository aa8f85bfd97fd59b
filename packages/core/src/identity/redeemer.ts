import type { ProfileConfig } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import { classifyRedeemError } from "./classify-error.ts";
import type { HttpTransport } from "./network-client.ts";
import { type Redemption, redeemRefreshToken } from "./redeem-refresh-token.ts";

/** What the engine needs from identity: redeem one token, or throw a classified `RefreshError`. */
export interface Redeemer {
  redeem(profile: ProfileConfig, refreshToken: Secret, clientSecret: Secret | undefined): Promise<Redemption>;
}

export function createRedeemer(transport: HttpTransport, logger: Logger): Redeemer {
  return {
    async redeem(profile, refreshToken, clientSecret) {
      const network = transport.client();
      try {
        return await redeemRefreshToken(
          {
            applicationId: profile.applicationId,
            environment: profile.environment,
            authority: profile.authority,
            tenant: profile.tenant,
            scopes: profile.scopes,
            clientSecret,
            refreshToken,
          },
          network,
          logger.child({ profile: profile.name }),
        );
      } catch (error) {
        throw classifyRedeemError(error, { profile: profile.name, retryAfterMs: network.lastRetryAfterMs });
      }
    },
  };
}
