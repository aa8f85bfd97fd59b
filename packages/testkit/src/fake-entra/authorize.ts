import { randomUUID } from "node:crypto";
import type { EntraError, ErrorContext } from "./errors.ts";
import { aadsts, entraTimestamp, errorContext } from "./errors.ts";
import { consentPage, errorPage, formPostPage } from "./html.ts";
import type { Reply, RequestContext } from "./http.ts";
import { redirect } from "./http.ts";
import { clientInfo, splitScopes } from "./minting.ts";
import { isRegisteredRedirectUri } from "./redirect-uris.ts";
import type { AuthorizeGrant, EntraState } from "./state.ts";
import type { AuthorizeRequestRecord } from "./types.ts";

const RESPONSE_MODES: ReadonlySet<string> = new Set(["query", "fragment", "form_post"]);

type Outcome = AuthorizeRequestRecord["outcome"];
interface Answer {
  reply: Reply;
  outcome: Outcome;
  error?: EntraError;
}

/**
 * `GET /{tenant}/oauth2/v2.0/authorize`. Problems that cannot be sent back to the app (no/unknown
 * client_id, unregistered redirect_uri) render Entra's HTML error page; every other problem is an error
 * redirect to the redirect URI. A valid request is answered per `state.consent`: a code redirect
 * (`auto`), the consent page (`page`) or an `access_denied` redirect (`deny`).
 */
export function authorizeEndpoint(state: EntraState) {
  return (ctx: RequestContext): Reply => {
    const q = ctx.url.searchParams;
    const query: Record<string, string> = {};
    for (const [k, v] of q) if (!(k in query)) query[k] = v;
    const tenant = ctx.params.tenant ?? "";
    const errCtx = errorContext(ctx.baseUrl, query["client-request-id"]);
    const answer = authorize(state, tenant, query, errCtx);

    const record: AuthorizeRequestRecord = {
      at: errCtx.now,
      tenant,
      clientId: query.client_id ?? "",
      responseType: query.response_type ?? "",
      redirectUri: query.redirect_uri ?? "",
      scopes: splitScopes(query.scope),
      query,
      outcome: answer.outcome,
    };
    if (query.state !== undefined) record.state = query.state;
    if (query.nonce !== undefined) record.nonce = query.nonce;
    if (query.prompt !== undefined) record.prompt = query.prompt;
    if (query.login_hint !== undefined) record.loginHint = query.login_hint;
    if (query.response_mode !== undefined) record.responseMode = query.response_mode;
    if (query.code_challenge !== undefined) record.codeChallenge = query.code_challenge;
    if (query.code_challenge_method !== undefined) record.codeChallengeMethod = query.code_challenge_method;
    if (query.client_info !== undefined) record.clientInfo = query.client_info;
    if (answer.error) {
      record.error = answer.error.error;
      record.errorCode = answer.error.code;
    }
    state.authorizeRequests.push(record);
    return answer.reply;
  };
}

function authorize(
  state: EntraState,
  tenant: string,
  q: Record<string, string>,
  errCtx: ErrorContext,
): Answer {
  const page = (error: EntraError): Answer => ({
    reply: errorPage(error, errCtx),
    outcome: "error-page",
    error,
  });

  const clientId = q.client_id ?? "";
  if (!clientId) return page(aadsts.missingParameter("client_id"));
  const client = state.client(clientId);
  if (!client) return page(aadsts.applicationNotFound(clientId, tenant));
  if (client.redirectUris.length === 0) return page(aadsts.noReplyAddress());
  // Entra picks a registered redirect URI when the request names none.
  const redirectUri = q.redirect_uri || (client.redirectUris[0] ?? "");
  if (!isRegisteredRedirectUri(client.redirectUris, redirectUri)) {
    return page(aadsts.redirectUriMismatch(redirectUri, clientId));
  }

  const requestedMode = q.response_mode ?? "query";
  const responseMode = (
    RESPONSE_MODES.has(requestedMode) ? requestedMode : "query"
  ) as AuthorizeGrant["responseMode"];
  const grant: AuthorizeGrant = {
    tenant,
    clientId,
    redirectUri,
    responseMode,
    scopes: splitScopes(q.scope),
    clientInfo: q.client_info === "1",
  };
  if (q.state !== undefined) grant.state = q.state;
  if (q.nonce) grant.nonce = q.nonce;
  const fail = (error: EntraError): Answer => ({
    reply: errorRedirect(grant, error, errCtx),
    outcome: "error-redirect",
    error,
  });

  if (!RESPONSE_MODES.has(requestedMode)) return fail(aadsts.unsupportedResponseMode(requestedMode));
  const responseType = q.response_type;
  if (!responseType) return fail(aadsts.missingParameter("response_type"));
  if (responseType !== "code") return fail(aadsts.unsupportedResponseType(responseType));
  if (grant.scopes.length === 0) return fail(aadsts.missingParameter("scope"));

  const challenge = q.code_challenge;
  if (challenge !== undefined && challenge !== "") {
    const method = q.code_challenge_method || "plain";
    if (method !== "S256" && method !== "plain") return fail(aadsts.invalidCodeChallenge("method"));
    if (challenge.length < 43 || challenge.length > 128) return fail(aadsts.invalidCodeChallenge("size"));
    grant.codeChallenge = challenge;
    grant.codeChallengeMethod = method;
  }

  switch (state.consent) {
    case "deny":
      return fail(aadsts.userDeclinedConsent());
    case "page": {
      if (q.prompt === "none") return fail(aadsts.loginRequired());
      const requestId = state.addPendingConsent(grant, errCtx.now);
      return {
        reply: consentPage({
          action: `/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize/consent`,
          requestId,
          user: state.user,
          clientId,
          scopes: grant.scopes,
        }),
        outcome: "consent-page",
      };
    }
    case "auto":
      return { reply: codeRedirect(state, grant, errCtx.now), outcome: "code" };
  }
}

/**
 * `POST /{tenant}/oauth2/v2.0/authorize/consent` (the consent page's form): `action=accept` → the code
 * redirect; `action=cancel` → `access_denied` AADSTS65004. Each page can be answered once.
 */
export function consentEndpoint(state: EntraState) {
  return (ctx: RequestContext): Reply => {
    const form = new URLSearchParams(ctx.body);
    const errCtx = errorContext(ctx.baseUrl, undefined);
    const action = form.get("action");
    const grant = state.takePendingConsent(form.get("request_id") ?? "", errCtx.now);
    if (!grant || (action !== "accept" && action !== "cancel")) {
      return errorPage(aadsts.malformedRequest(), errCtx);
    }
    return action === "accept"
      ? codeRedirect(state, grant, errCtx.now)
      : errorRedirect(grant, aadsts.userDeclinedConsent(), errCtx);
  };
}

function codeRedirect(state: EntraState, grant: AuthorizeGrant, now: Date): Reply {
  const fields: [string, string][] = [["code", state.issueAuthorizationCode(grant, now)]];
  if (grant.clientInfo && !state.oidc)
    fields.push(["client_info", clientInfo(state.user.oid, state.user.tenantId)]);
  if (grant.state !== undefined) fields.push(["state", grant.state]);
  fields.push(["session_state", randomUUID()]);
  return deliver(grant, fields);
}

function errorRedirect(grant: AuthorizeGrant, err: EntraError, ctx: ErrorContext): Reply {
  const fields: [string, string][] = [
    ["error", err.error],
    [
      "error_description",
      `AADSTS${err.code}: ${err.message} Trace ID: ${ctx.traceId} Correlation ID: ${ctx.correlationId} Timestamp: ${entraTimestamp(ctx.now)}`,
    ],
    ["error_uri", `${ctx.baseUrl}/error?code=${err.code}`],
  ];
  if (grant.state !== undefined) fields.push(["state", grant.state]);
  return deliver(grant, fields);
}

/** Sends `fields` to the app per response_mode: query string, fragment, or an auto-submitting form. */
function deliver(grant: AuthorizeGrant, fields: [string, string][]): Reply {
  if (grant.responseMode === "form_post") return formPostPage(grant.redirectUri, fields);
  const params = new URLSearchParams(fields).toString();
  if (grant.responseMode === "fragment") return redirect(`${grant.redirectUri.split("#")[0]}#${params}`);
  const base = grant.redirectUri.split("#")[0] ?? "";
  return redirect(`${base}${base.includes("?") ? "&" : "?"}${params}`);
}
