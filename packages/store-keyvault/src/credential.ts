import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from "@azure/identity";
import type { KeyVaultCredentialOptions } from "./options.ts";

/** Entra ID hosts that msal-node knows without instance discovery (public, China, US Government). */
const KNOWN_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoft.com",
  "sts.windows.net",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoftonline.us",
  "login.usgovcloudapi.net",
  "login-us.microsoftonline.com",
]);

/** Vault host suffix → the Entra ID host of that cloud (the public cloud is the SDK default). */
const SOVEREIGN_AUTHORITY_HOSTS: readonly (readonly [string, string])[] = [
  [".vault.azure.cn", "https://login.chinacloudapi.cn"],
  [".vault.usgovcloudapi.net", "https://login.microsoftonline.us"],
];

/** What a credential shares with the vault client: TLS trust and retries. */
export type CommonClientOptions = Pick<TokenCredentialOptions, "tlsOptions" | "retryOptions">;

/** A credential whose secret was already resolved (`resolveSecret`) and whose paths are absolute. */
export type ResolvedCredential =
  | Exclude<KeyVaultCredentialOptions, { type: "client-secret" | "certificate" }>
  | (Omit<Extract<KeyVaultCredentialOptions, { type: "client-secret" }>, "clientSecret"> & {
      clientSecret: string;
    })
  | Extract<KeyVaultCredentialOptions, { type: "certificate" }>;

/** The Entra ID host for a vault in a sovereign cloud; `undefined` for the public cloud and others. */
export function authorityHostForVault(vaultUrl: string): string | undefined {
  const host = new URL(vaultUrl).hostname.toLowerCase();
  return SOVEREIGN_AUTHORITY_HOSTS.find(([suffix]) => host.endsWith(suffix))?.[1];
}

/**
 * Builds the `@azure/identity` credential. An explicit `authorityHost` wins; otherwise a sovereign
 * vault host picks its cloud's Entra ID. Instance discovery is skipped for hosts msal-node does not
 * know (Azure Stack, ADFS, a test fake), which would otherwise ask login.microsoftonline.com.
 */
export function buildCredential(
  credential: ResolvedCredential,
  vaultUrl: string,
  common: CommonClientOptions,
): TokenCredential {
  switch (credential.type) {
    case "default": {
      const authorityHost = authorityHostForVault(vaultUrl);
      return new DefaultAzureCredential({ ...common, ...(authorityHost ? { authorityHost } : {}) });
    }
    case "managed-identity":
      return credential.clientId === undefined
        ? new ManagedIdentityCredential({ ...common })
        : new ManagedIdentityCredential({ ...common, clientId: credential.clientId });
    case "client-secret":
      return new ClientSecretCredential(
        credential.tenantId,
        credential.clientId,
        credential.clientSecret,
        authorityOptions(credential.authorityHost, vaultUrl, common),
      );
    case "certificate":
      return new ClientCertificateCredential(
        credential.tenantId,
        credential.clientId,
        { certificatePath: credential.certificatePath },
        authorityOptions(credential.authorityHost, vaultUrl, common),
      );
  }
}

function authorityOptions(
  explicit: string | undefined,
  vaultUrl: string,
  common: CommonClientOptions,
): TokenCredentialOptions & { disableInstanceDiscovery?: boolean } {
  const authorityHost = explicit ?? authorityHostForVault(vaultUrl);
  if (authorityHost === undefined) return { ...common };
  const known = KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
  return { ...common, authorityHost, ...(known ? {} : { disableInstanceDiscovery: true }) };
}
