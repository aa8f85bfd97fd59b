import { createHash } from "node:crypto";
import { authenticateClient, presentedClientAuth } from "./client-auth.ts";
import type { EntraError, ErrorContext } from "./errors.ts";
import { aadsts, errorContext, renderError } from "./errors.ts";
import { grantHandlers } from "./grants/index.ts";
import type { Reply, RequestContext } from "./http.ts";
import { entraHeaders } from "./http.ts";
import type { EntraState } from "./state.ts";
import { issuerFor, resolveTenantId } from "./tenants.ts";
import type { FailNextOptions } from "./types.ts";

/** Reply used when the fake shuts down while a request is parked; the socket is already gone. */
export const ABANDONED: Reply = { status: 503, body: { error: "temporarily_unavailable" } };

/**
 * `POST /{tenant}/oauth2/v2.0/token`. Order: hold gate → injected failure → grant_type → client lookup →
 * client authentication → grant handler. Every request is logged in `state.tokenRequests` (no secrets).
 */
export function tokenEndpoint(state: EntraState) {
  return async (ctx: RequestContext): Promise<Reply> => {
    const at = new Date();
    const form = new URLSearchParams(ctx.body);
    const grantType = form.get("grant_type") ?? "";
    const clientId = form.get("client_id") ?? "";
    const tenant = ctx.params.tenant ?? "";

    if (!(await state.passGate())) return ABANDONED;

    const errCtx = errorContext(ctx.baseUrl, ctx.headers["client-request-id"]);
    const outcome = process(state, form, grantType, clientId, tenant, errCtx);
    const presented = form.get("refresh_token");
    const issued = (outcome.reply.body as { refresh_token?: unknown } | undefined)?.refresh_token;
    const record = {
      grantType,
      clientId,
      tenant,
      receivedAt: ctx.receivedAt,
      at,
      status: outcome.reply.status,
      ...presentedClientAuth(form),
      ...(presented ? { presentedRefreshToken: tokenFingerprint(presented) } : {}),
      ...(typeof issued === "string" ? { issuedRefreshToken: tokenFingerprint(issued) } : {}),
    };
    state.tokenRequests.push(
      outcome.error ? { ...record, error: outcome.error.error, errorCode: outcome.error.code } : record,
    );
    return outcome.reply;
  };
}

function process(
  state: EntraState,
  form: URLSearchParams,
  grantType: string,
  clientId: string,
  tenant: string,
  errCtx: ErrorContext,
): { reply: Reply; error?: EntraError } {
  const fail = (error: EntraError) => ({ reply: renderError(error, errCtx), error });

  const injected = state.takeFailure();
  if (injected) return fail(injectedError(injected));

  if (!grantType) return fail(aadsts.missingParameter("grant_type"));
  const handler = grantHandlers.get(grantType);
  if (!handler) return fail(aadsts.unsupportedGrantType(grantType));
  if (!clientId) return fail(aadsts.missingParameter("client_id"));
  const client = state.client(clientId);
  if (!client) return fail(aadsts.applicationNotFound(clientId, tenant));
  const tid = resolveTenantId(tenant, state.tenantId);
  if (
    grantType !== "client_credentials" &&
    state.reachableTenants &&
    tid !== state.tenantId &&
    !state.reachableTenants.has(tid)
  ) {
    return fail(aadsts.userNotInTenant(state.user.preferredUsername, tenant));
  }
  const authError = authenticateClient(client, form, {
    baseUrl: errCtx.baseUrl,
    tenant,
    tid,
    now: errCtx.now,
  });
  if (authError) return fail(authError);

  const result = handler({
    state,
    form,
    client,
    tenant,
    tid,
    issuer: issuerFor(errCtx.baseUrl, tid),
    now: errCtx.now,
  });
  if (!result.ok) return fail(result.error);
  return {
    reply: { status: 200, body: result.body, headers: entraHeaders(errCtx.correlationId, errCtx.traceId) },
  };
}

function injectedError(f: FailNextOptions): EntraError {
  const base =
    f.status === 429
      ? aadsts.throttled()
      : f.status === 500
        ? aadsts.serverError(500)
        : aadsts.serviceUnavailable(f.status);
  return f.retryAfterSeconds === undefined
    ? base
    : { ...base, headers: { "retry-after": String(f.retryAfterSeconds) } };
}

/** partnerd's fingerprint of a token (first 12 hex digits of its SHA-256): safe to keep in records. */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex").slice(0, 12);
}
