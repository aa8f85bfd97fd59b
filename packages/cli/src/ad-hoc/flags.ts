import { UsageError } from "@partnerd/core/client";

/** The `partnerd token` flags that mirror New-PartnerAccessToken's parameters (README has the table). */
export interface AdHocFlags {
  accessToken?: string;
  applicationId?: string;
  scopes?: string[];
  tenant?: string;
  environment?: string;
  authority?: string;
  module?: string;
  servicePrincipal?: boolean;
  useAuthorizationCode?: boolean;
  useDeviceAuthentication?: boolean;
  clientSecretFile?: string;
  certificateFile?: string;
  privateKeyFile?: string;
  certificateThumbprint?: string;
  refreshTokenFile?: string;
  caFile?: string;
}

export const AD_HOC_FLAG_NAMES: Record<keyof AdHocFlags, string> = {
  accessToken: "--access-token",
  applicationId: "--application-id",
  scopes: "--scopes",
  tenant: "--tenant",
  environment: "--environment",
  authority: "--authority",
  module: "--module",
  servicePrincipal: "--service-principal",
  useAuthorizationCode: "--use-authorization-code",
  useDeviceAuthentication: "--use-device-authentication",
  clientSecretFile: "--client-secret-file",
  certificateFile: "--certificate-file",
  privateKeyFile: "--private-key-file",
  certificateThumbprint: "--certificate-thumbprint",
  refreshTokenFile: "--refresh-token-file",
  caFile: "--ca-file",
};

/** The cmdlet-era spellings Azure tools also use: `--client-id` for `--application-id`, `--tenant-id` for `--tenant`. */
const ALIASES = [
  ["clientId", "applicationId", "--client-id", "--application-id"],
  ["tenantId", "tenant", "--tenant-id", "--tenant"],
] as const;

/** Folds the aliases into their flags; giving both with different values is a usage error. */
export function applyFlagAliases<T extends AdHocFlags & { clientId?: string; tenantId?: string }>(
  flags: T,
): T {
  const result = { ...flags };
  for (const [alias, key, aliasName, name] of ALIASES) {
    const value = result[alias];
    if (value === undefined) continue;
    if (result[key] !== undefined && result[key] !== value) {
      throw new UsageError(`${aliasName} and ${name} name the same thing; give one of them`);
    }
    result[key] = value;
    delete result[alias];
  }
  return result;
}

/** The flags present on the command line, by their long names. */
export function adHocFlagsGiven(flags: AdHocFlags): string[] {
  return (Object.keys(AD_HOC_FLAG_NAMES) as (keyof AdHocFlags)[])
    .filter((key) => flags[key] !== undefined && flags[key] !== false)
    .map((key) => AD_HOC_FLAG_NAMES[key]);
}
