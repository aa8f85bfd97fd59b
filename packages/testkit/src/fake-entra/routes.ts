import { authorizeEndpoint, consentEndpoint } from "./authorize.ts";
import { deviceCodeEndpoint } from "./device-code-endpoint.ts";
import { instanceDiscoveryRoute, jwksRoute, openIdConfigurationRoute } from "./discovery.ts";
import type { Reply, RequestContext } from "./http.ts";
import type { EntraState } from "./state.ts";
import { tokenEndpoint } from "./token-endpoint.ts";

export type RouteHandler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** One endpoint: method + anchored path pattern with named groups (e.g. `tenant`). */
export interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  handler: RouteHandler;
}

const TENANT = "(?<tenant>[A-Za-z0-9._-]+)";
const path = (p: string): RegExp => new RegExp(`^/${p}$`);

/** The fake's route table; new grant types go in `grants/`. */
export function buildRoutes(state: EntraState): Route[] {
  return [
    {
      method: "GET",
      pattern: path(`${TENANT}/v2\\.0/\\.well-known/openid-configuration`),
      handler: openIdConfigurationRoute(state.tenantId),
    },
    { method: "GET", pattern: path(`${TENANT}/discovery/instance`), handler: instanceDiscoveryRoute },
    { method: "GET", pattern: path(`${TENANT}/discovery/v2\\.0/keys`), handler: jwksRoute },
    { method: "POST", pattern: path(`${TENANT}/oauth2/v2\\.0/token`), handler: tokenEndpoint(state) },
    { method: "GET", pattern: path(`${TENANT}/oauth2/v2\\.0/authorize`), handler: authorizeEndpoint(state) },
    {
      method: "POST",
      pattern: path(`${TENANT}/oauth2/v2\\.0/authorize/consent`),
      handler: consentEndpoint(state),
    },
    {
      method: "POST",
      pattern: path(`${TENANT}/oauth2/v2\\.0/devicecode`),
      handler: deviceCodeEndpoint(state),
    },
  ];
}

export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "none" };

export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    return { kind: "found", route, params: { ...m.groups } };
  }
  return allowed.length > 0 ? { kind: "wrong-method", allowed } : { kind: "none" };
}
