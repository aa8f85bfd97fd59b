import type { EnvironmentName } from "../config/types.ts";

/** Authority hosts of the clouds msal-node knows without instance discovery. */
export const CLOUD_AUTHORITY_HOSTS: Record<EnvironmentName, string> = {
  AzureCloud: "https://login.microsoftonline.com",
  AzureChinaCloud: "https://login.partner.microsoftonline.cn",
  AzureUSGovernment: "https://login.microsoftonline.us",
};

export interface AuthorityTarget {
  /** Full authority URL including the tenant. */
  authority: string;
  /** Hosts msal should trust without instance discovery (custom authorities only). */
  knownAuthorities: string[];
}

export function resolveAuthority(profile: {
  environment: EnvironmentName;
  authority?: string | undefined;
  tenant: string;
}): AuthorityTarget {
  if (profile.authority) {
    const base = new URL(profile.authority);
    const path = base.pathname.replace(/\/+$/, "");
    return {
      authority: `${base.origin}${path}/${encodeURIComponent(profile.tenant)}`,
      knownAuthorities: [base.host],
    };
  }
  return {
    authority: `${CLOUD_AUTHORITY_HOSTS[profile.environment]}/${encodeURIComponent(profile.tenant)}`,
    knownAuthorities: [],
  };
}
