const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tenant path segments that are not a specific directory. */
export const MULTI_TENANT_SEGMENTS: ReadonlySet<string> = new Set(["common", "organizations", "consumers"]);

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/**
 * The directory a request addresses: a GUID segment is taken as is; `common`, `organizations` and domain
 * names resolve to the fake's home tenant.
 */
export function resolveTenantId(segment: string, homeTenantId: string): string {
  return isGuid(segment) ? segment.toLowerCase() : homeTenantId;
}

/** `https://127.0.0.1:PORT/<tid>/v2.0`, the v2 issuer of tokens for that tenant. */
export function issuerFor(baseUrl: string, tid: string): string {
  return `${baseUrl}/${tid}/v2.0`;
}
