import type { ProfileConfig } from "../../config/types.ts";
import type { Logger } from "../../log/logger.ts";
import { resolveAuthority } from "../clouds.ts";
import type { AppCredential } from "../credential.ts";
import type { MsalAppOptions } from "../msal-app.ts";
import type { NetworkClient } from "../network-client.ts";

/** What every flow needs: which app, where, with which credential, over which network. */
export interface FlowContext {
  profile: ProfileConfig;
  credential: AppCredential | undefined;
  network: NetworkClient;
  logger: Logger;
}

export function appOptions(context: FlowContext): MsalAppOptions {
  const { profile } = context;
  return {
    clientId: profile.applicationId,
    authority: resolveAuthority(profile),
    credential: context.credential,
    protocol: profile.protocol,
    network: context.network,
    logger: context.logger,
  };
}
