import { randomUUID } from "node:crypto";
import type { Reply } from "./http.ts";
import { entraHeaders } from "./http.ts";

/**
 * An Entra ID error before it is rendered: HTTP status, OAuth `error`, AADSTS number and the text that
 * follows `AADSTSnnn: ` in `error_description`. Messages never contain tokens or secrets.
 */
export interface EntraError {
  status: number;
  error: string;
  code: number;
  message: string;
  suberror?: string;
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

/** Per-request identifiers that go into an error body. */
export interface ErrorContext {
  baseUrl: string;
  /** The caller's `client-request-id`, echoed like Entra does; random when absent. */
  correlationId: string;
  traceId: string;
  now: Date;
}

/** .NET-style round-trip timestamp Entra uses inside messages: `2024-01-02T03:04:05.1230000Z`. */
export function entraIsoTimestamp(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/** `YYYY-MM-DD hh:mm:ssZ`, the format of Entra's `timestamp` field. */
export function entraTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** The AADSTS catalogue the fake can produce. */
export const aadsts = {
  /** 700082: the RT was inactive for 90 days. */
  refreshTokenExpired: (issuedAt: Date): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 700082,
    message: `The refresh token has expired due to inactivity. The token was issued on ${entraIsoTimestamp(issuedAt)} and was inactive for 90.00:00:00.`,
  }),
  /** 70008: the RT was revoked, or (single-use mode) already redeemed. */
  refreshTokenRevoked: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 70008,
    message:
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
  }),
  /** 9002313: garbage / unknown grant value. */
  malformedRequest: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 9002313,
    message: "Invalid request. Request is malformed or invalid.",
  }),
  /** 70000: the RT exists but was issued to a different application. */
  grantForOtherClient: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 70000,
    message: "Provided grant is invalid or malformed.",
  }),
  /** 7000215: wrong client secret. */
  invalidClientSecret: (clientId: string): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  /** 7000218: a confidential client sent no credential. */
  missingClientCredential: (): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 7000218,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  /** 700025: a public client presented a credential. */
  publicClientWithCredential: (): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700025,
    message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  }),
  /** 700027: client assertion could not be validated (no certificate registered with the fake yet). */
  clientAssertionInvalid: (): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700027,
    message: "Client assertion failed signature validation.",
  }),
  /** 700016: unknown application id. */
  applicationNotFound: (clientId: string, tenant: string): EntraError => ({
    status: 400,
    error: "unauthorized_client",
    code: 700016,
    message: `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  /** 900144: a required form parameter is missing. */
  missingParameter: (name: string): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 900144,
    message: `The request body must contain the following parameter: '${name}'.`,
  }),
  /** 70003: unsupported grant_type. */
  unsupportedGrantType: (grantType: string): EntraError => ({
    status: 400,
    error: "unsupported_grant_type",
    code: 70003,
    message: `The app requested an unsupported grant type '${grantType.slice(0, 100)}'.`,
  }),
  /** 1002012: client credentials need exactly one `<resource>/.default` scope. */
  invalidDefaultScope: (scope: string): EntraError => ({
    status: 400,
    error: "invalid_scope",
    code: 1002012,
    message: `The provided value for scope ${scope.slice(0, 200)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
  /** 900561: wrong HTTP method on a POST-only endpoint. */
  methodNotAllowed: (method: string): EntraError => ({
    status: 405,
    error: "invalid_request",
    code: 900561,
    message: `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`,
  }),
  /** 429: tenant throttling. */
  throttled: (): EntraError => ({
    status: 429,
    error: "temporarily_unavailable",
    code: 90055,
    message:
      "TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.",
  }),
  /** 500: transient server error. */
  serverError: (status = 500): EntraError => ({
    status,
    error: "server_error",
    code: 50033,
    message: "A transient error has occurred. Please try again.",
  }),
  /** 503 (and 502/504): a back end is unavailable. */
  serviceUnavailable: (status = 503): EntraError => ({
    status,
    error: "temporarily_unavailable",
    code: 90033,
    message: "A transient error has occurred. Please try again.",
  }),
} as const;

/** Renders an {@link EntraError} exactly like Entra's token endpoint does. */
export function renderError(err: EntraError, ctx: ErrorContext): Reply {
  const timestamp = entraTimestamp(ctx.now);
  const body: Record<string, unknown> = {
    error: err.error,
    error_description: `AADSTS${err.code}: ${err.message} Trace ID: ${ctx.traceId} Correlation ID: ${ctx.correlationId} Timestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: ctx.traceId,
    correlation_id: ctx.correlationId,
    error_uri: `${ctx.baseUrl}/error?code=${err.code}`,
  };
  if (err.suberror) body.suberror = err.suberror;
  return {
    status: err.status,
    body,
    headers: { ...entraHeaders(ctx.correlationId, ctx.traceId), ...err.headers },
  };
}

/** Builds an {@link ErrorContext}, echoing a well-formed `client-request-id` when the caller sent one. */
export function errorContext(baseUrl: string, clientRequestId: string | string[] | undefined): ErrorContext {
  const sent = typeof clientRequestId === "string" ? clientRequestId : undefined;
  const correlationId = sent && /^[0-9a-f-]{36}$/i.test(sent) ? sent : randomUUID();
  return { baseUrl, correlationId, traceId: randomUUID(), now: new Date() };
}
