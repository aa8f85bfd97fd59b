import type { EnvironmentName } from "../config/types.ts";

interface Cloud {
  authorityHost: string;
  /**
   * msal-node has no built-in metadata for this host; naming it in `knownAuthorities` makes msal trust
   * it and read its OpenID configuration directly instead of asking the public cloud's instance
   * discovery (which does not know it). The cmdlet could not do this, so it could not reach PPE.
   */
  needsKnownAuthority: boolean;
}

/** The cmdlet's environments and the authority host msal signs in against. */
export const CLOUDS: Record<EnvironmentName, Cloud> = {
  AzureCloud: { authorityHost: "https://login.microsoftonline.com", needsKnownAuthority: false },
  AzureChinaCloud: { authorityHost: "https://login.partner.microsoftonline.cn", needsKnownAuthority: false },
  AzureUSGovernment: { authorityHost: "https://login.microsoftonline.us", needsKnownAuthority: false },
  AzurePPE: { authorityHost: "https://login.windows-ppe.net", needsKnownAuthority: true },
};

export interface AuthorityTarget {
  /** Full authority URL including the tenant. */
  authority: string;
  /** Hosts msal should trust without instance discovery. */
  knownAuthorities: string[];
}

export function resolveAuthority(profile: {
  environment: EnvironmentName;
  authority?: string | undefined;
  protocol?: "aad" | "oidc" | undefined;
  tenant: string;
}): AuthorityTarget {
  const tenant = encodeURIComponent(profile.tenant);
  if (profile.authority && profile.protocol === "oidc") {
    // A generic OpenID Connect provider: the authority is its issuer; there is no tenant segment.
    return {
      authority: profile.authority.replace(/\/+$/, ""),
      knownAuthorities: [new URL(profile.authority).host],
    };
  }
  if (profile.authority) {
    const base = new URL(profile.authority);
    const path = base.pathname.replace(/\/+$/, "");
    return { authority: `${base.origin}${path}/${tenant}`, knownAuthorities: [base.host] };
  }
  const cloud = CLOUDS[profile.environment];
  return {
    authority: `${cloud.authorityHost}/${tenant}`,
    knownAuthorities: cloud.needsKnownAuthority ? [new URL(cloud.authorityHost).host] : [],
  };
}
