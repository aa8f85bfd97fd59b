import {
  ConfidentialClientApplication,
  type Configuration,
  LogLevel,
  ProtocolMode,
  PublicClientApplication,
} from "@azure/msal-node";
import type { Logger } from "../log/logger.ts";
import type { AuthorityTarget } from "./clouds.ts";
import type { AppCredential } from "./credential.ts";
import type { NetworkClient } from "./network-client.ts";

export interface MsalAppOptions {
  clientId: string;
  authority: AuthorityTarget;
  credential: AppCredential | undefined;
  /** `oidc` for a generic OpenID Connect provider; `aad` (Entra) by default. */
  protocol?: "aad" | "oidc" | undefined;
  network: NetworkClient;
  logger: Logger;
}

export type MsalApp = ConfidentialClientApplication | PublicClientApplication;

/**
 * A fresh msal application per operation: an isolated token cache (so the refresh token read back is
 * this request's) and no in-process throttle state carried over from an earlier failure.
 * Confidential with a secret or certificate, public otherwise (the cmdlet's rule).
 */
export function createMsalApp(options: MsalAppOptions): MsalApp {
  const configuration: Configuration = {
    auth: {
      clientId: options.clientId,
      authority: options.authority.authority,
      ...(options.authority.knownAuthorities.length > 0
        ? { knownAuthorities: options.authority.knownAuthorities }
        : {}),
      ...credentialOptions(options.credential),
    },
    system: {
      networkClient: options.network,
      ...(options.protocol === "oidc" ? { protocolMode: ProtocolMode.OIDC } : {}),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (_level, message, containsPii) => {
          if (!containsPii) options.logger.debug("msal", { msal: message });
        },
      },
    },
  };
  return options.credential
    ? new ConfidentialClientApplication(configuration)
    : new PublicClientApplication(configuration);
}

export function createConfidentialApp(options: MsalAppOptions): ConfidentialClientApplication {
  const app = createMsalApp(options);
  if (!(app instanceof ConfidentialClientApplication))
    throw new Error("a client secret or certificate is required");
  return app;
}

export function createPublicApp(options: MsalAppOptions): PublicClientApplication {
  const app = createMsalApp({ ...options, credential: undefined });
  return app as PublicClientApplication;
}

function credentialOptions(credential: AppCredential | undefined) {
  if (!credential) return {};
  if (credential.kind === "secret") return { clientSecret: credential.secret.reveal() };
  const { certificate } = credential;
  return {
    clientCertificate: {
      thumbprintSha256: certificate.thumbprintSha256,
      privateKey: certificate.privateKeyPem.reveal(),
      x5c: certificate.chainPem,
    },
  };
}
