import {
  ConfidentialClientApplication,
  type Configuration,
  LogLevel,
  PublicClientApplication,
} from "@azure/msal-node";
import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import type { AuthorityTarget } from "./clouds.ts";
import type { NetworkClient } from "./network-client.ts";

export interface MsalAppOptions {
  clientId: string;
  authority: AuthorityTarget;
  clientSecret?: Secret | undefined;
  network: NetworkClient;
  logger: Logger;
}

export type MsalApp = ConfidentialClientApplication | PublicClientApplication;

/**
 * A fresh msal application per redemption: an isolated token cache (so the rotated refresh token we
 * read back is this request's) and no in-process throttle state carried over from an earlier failure.
 * Confidential when the profile has a client secret, public otherwise (the cmdlet's rule).
 */
export function createMsalApp(options: MsalAppOptions): MsalApp {
  const configuration: Configuration = {
    auth: {
      clientId: options.clientId,
      authority: options.authority.authority,
      ...(options.authority.knownAuthorities.length > 0
        ? { knownAuthorities: options.authority.knownAuthorities }
        : {}),
      ...(options.clientSecret ? { clientSecret: options.clientSecret.reveal() } : {}),
    },
    system: {
      networkClient: options.network,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii) return;
          if (level === LogLevel.Error) options.logger.debug("msal error", { msal: message });
          else options.logger.debug("msal", { msal: message });
        },
      },
    },
  };
  return options.clientSecret
    ? new ConfidentialClientApplication(configuration)
    : new PublicClientApplication(configuration);
}
