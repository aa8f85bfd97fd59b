import type { Reply, RequestContext } from "./http.ts";
import { json } from "./http.ts";
import { issuerFor, MULTI_TENANT_SEGMENTS, resolveTenantId } from "./tenants.ts";

/**
 * The `/{tenant}/v2.0/.well-known/openid-configuration` document. Like Entra, endpoints keep the tenant
 * segment as requested; the issuer carries the literal `{tenantid}` for common/organizations/consumers and
 * the tenant GUID otherwise.
 */
export function openIdConfiguration(
  baseUrl: string,
  tenant: string,
  homeTenantId: string,
): Record<string, unknown> {
  const t = encodeURIComponent(tenant);
  const issuer = MULTI_TENANT_SEGMENTS.has(tenant.toLowerCase())
    ? `${baseUrl}/{tenantid}/v2.0`
    : issuerFor(baseUrl, resolveTenantId(tenant, homeTenantId));
  const host = new URL(baseUrl).host;
  return {
    token_endpoint: `${baseUrl}/${t}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${baseUrl}/${t}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${baseUrl}/${t}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${baseUrl}/${t}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${baseUrl}/${t}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${baseUrl}/${t}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: host,
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

export function openIdConfigurationRoute(homeTenantId: string) {
  return (ctx: RequestContext): Reply =>
    json(200, openIdConfiguration(ctx.baseUrl, ctx.params.tenant ?? "common", homeTenantId));
}

/** `/common/discovery/instance`: cloud discovery metadata naming only the fake's own host. */
export function instanceDiscoveryRoute(ctx: RequestContext): Reply {
  const host = new URL(ctx.baseUrl).host;
  let tenant = "common";
  const authz = ctx.url.searchParams.get("authorization_endpoint");
  if (authz) {
    try {
      tenant = new URL(authz).pathname.split("/").filter(Boolean)[0] ?? tenant;
    } catch {
      // keep "common"
    }
  }
  return json(200, {
    tenant_discovery_endpoint: `${ctx.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  });
}

/** `jwks_uri`: the fake signs nothing, so the key set is empty. */
export function jwksRoute(): Reply {
  return json(200, { keys: [] });
}
