import type { EntraError } from "../errors.ts";
import type { ClientRecord, EntraState } from "../state.ts";

/** Input of a grant handler: an authenticated client and the parsed form. */
export interface GrantContext {
  state: EntraState;
  form: URLSearchParams;
  client: ClientRecord;
  /** Tenant path segment as requested. */
  tenant: string;
  /** Resolved tenant id (GUID) the tokens are issued in. */
  tid: string;
  /** v2 issuer for `tid` on the fake's host. */
  issuer: string;
  now: Date;
}

export type GrantResult = { ok: true; body: Record<string, unknown> } | { ok: false; error: EntraError };

/** Handles one `grant_type` at the token endpoint. Synchronous, so redemption is atomic. */
export type GrantHandler = (ctx: GrantContext) => GrantResult;
