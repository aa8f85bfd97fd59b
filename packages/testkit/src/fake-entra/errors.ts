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

const CERT_CREDENTIALS_DOC =
  "https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials";

/** Validity window of a registered certificate, as 700027 messages show it. */
export interface KeyWindow {
  notBefore: Date;
  notAfter: Date;
}

/** `MM/dd/yyyy HH:mm:ss` (UTC), the format of Entra's "Found key 'Start=…, End=…'". */
function usDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function foundKey(k: KeyWindow): string {
  return `Start=${usDate(k.notBefore)}, End=${usDate(k.notAfter)}`;
}

function seeConfiguredKeys(clientId: string): string {
  return `Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${clientId}'`;
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
  /** 700027: generic "failed signature validation" (kept for callers of the original catalogue). */
  clientAssertionInvalid: (): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700027,
    message: "Client assertion failed signature validation.",
  }),
  /** 700027: the assertion names a key (thumbprint) that is not among the app's certificates. */
  assertionKeyNotFound: (thumbprint: string, clientId: string): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700027,
    message: `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', ${seeConfiguredKeys(clientId)}]`,
  }),
  /** 700027: the named certificate is registered but outside its validity period. */
  assertionKeyExpired: (thumbprint: string, key: KeyWindow): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700027,
    message: `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprint}', Found key '${foundKey(key)}']`,
  }),
  /** 700027: the signature does not verify with the named certificate's public key. */
  assertionBadSignature: (thumbprint: string, key: KeyWindow, clientId: string): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700027,
    message: `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${thumbprint}', Found key '${foundKey(key)}', ${seeConfiguredKeys(clientId)}]`,
  }),
  /** 700024: `nbf` in the future or `exp` in the past. */
  assertionTimeRange: (now: Date, nbf: Date | undefined, exp: Date | undefined): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700024,
    message: `Client assertion is not within its valid time range. Current time: ${entraIsoTimestamp(now)}, assertion valid from ${nbf ? entraIsoTimestamp(nbf) : "(none)"}, expiry time of assertion ${exp ? entraIsoTimestamp(exp) : "(none)"}. Review the documentation at ${CERT_CREDENTIALS_DOC} .`,
  }),
  /** 700021: `iss` / `sub` of the assertion are not the request's client_id. */
  assertionIssuerMismatch: (): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700021,
    message: `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at ${CERT_CREDENTIALS_DOC} .`,
  }),
  /** 700023: `aud` of the assertion is not this token endpoint. */
  assertionAudienceMismatch: (): EntraError => ({
    status: 401,
    error: "invalid_client",
    code: 700023,
    message: `Client assertion audience claim does not match Realm issuer. Review the documentation at ${CERT_CREDENTIALS_DOC} .`,
  }),
  /** 50027: the assertion is not a well-formed JWT (or lacks a required claim). */
  malformedJwt: (detail: string): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 50027,
    message: `JWT token is invalid or malformed. ${detail}`,
  }),
  /** 5002738: unsupported JWS algorithm in the assertion header. */
  unsupportedAssertionAlgorithm: (alg: string): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 5002738,
    message: `Invalid JWT token. '${alg.slice(0, 20)}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'`,
  }),
  /** 90014: `client_assertion_type` missing or not jwt-bearer. */
  missingAssertionType: (): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 90014,
    message:
      "The required field 'client_assertion_type' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
  }),
  /** 90023: both a secret and an assertion were presented. */
  conflictingClientCredentials: (): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 90023,
    message: "Only one of 'client_secret' and 'client_assertion' may be presented.",
  }),
  /** 54005: the authorization code was redeemed before. */
  authorizationCodeRedeemed: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 54005,
    message:
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  }),
  /** 70008: the authorization code is older than its 10-minute lifetime. */
  authorizationCodeExpired: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 70008,
    message:
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
  }),
  /** 500112: the token request's redirect_uri differs from the one the code was issued for. */
  replyAddressMismatch: (requested: string, original: string): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 500112,
    message: `The reply address '${requested.slice(0, 300)}' does not match the reply address '${original}' provided when requesting Authorization code.`,
  }),
  /** 50148: the code was issued with a PKCE challenge but no code_verifier was sent. */
  codeVerifierMissing: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 50148,
    message:
      "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
  }),
  /** 501481: the code_verifier does not hash to the code_challenge. */
  codeVerifierMismatch: (): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 501481,
    message: "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
  }),
  /** 501491: PKCE challenge of the wrong size or with an unsupported method (authorize). */
  invalidCodeChallenge: (detail: "size" | "method"): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 501491,
    message:
      detail === "size"
        ? "Invalid size of Code_Challenge parameter."
        : "Invalid value for Code_Challenge_Method parameter. Supported values are 'plain' and 'S256'.",
  }),
  /** 70011: a scope that the code / device code was not issued for. */
  invalidScope: (scope: string): EntraError => ({
    status: 400,
    error: "invalid_scope",
    code: 70011,
    message: `The provided value for the input parameter 'scope' is not valid. The scope '${scope.slice(0, 200)}' is not valid.`,
  }),
  /** 65004: the user pressed Cancel on the consent page. */
  userDeclinedConsent: (): EntraError => ({
    status: 400,
    error: "access_denied",
    code: 65004,
    message: "User declined to consent to access the app.",
  }),
  /** 70005: only `response_type=code` is enabled. */
  unsupportedResponseType: (responseType: string): EntraError => ({
    status: 400,
    error: "unsupported_response_type",
    code: 70005,
    message: `The provided value for the input parameter 'response_type' is not allowed for this request. Expected value is 'code'. Actual value is '${responseType.slice(0, 50)}'.`,
  }),
  /** 70007: `response_mode` other than query / fragment / form_post. */
  unsupportedResponseMode: (mode: string): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 70007,
    message: `The application '' asked for response_mode '${mode.slice(0, 50)}', which is not supported.`,
  }),
  /** 50058: `prompt=none` but the sign-in needs interaction (consent page). */
  loginRequired: (): EntraError => ({
    status: 400,
    error: "login_required",
    code: 50058,
    message: "A silent sign-in request was sent but no user is signed in.",
  }),
  /** 50011: redirect_uri not registered on the app (authorize; rendered as an HTML page). */
  redirectUriMismatch: (redirectUri: string, clientId: string): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 50011,
    message: `The redirect URI '${redirectUri.slice(0, 300)}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  }),
  /** 500113: the app has no redirect URI at all. */
  noReplyAddress: (): EntraError => ({
    status: 400,
    error: "invalid_request",
    code: 500113,
    message: "No reply address is registered for the application.",
  }),
  /** 70016: device code not yet approved. */
  authorizationPending: (): EntraError => ({
    status: 400,
    error: "authorization_pending",
    code: 70016,
    message: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
  }),
  /** 65004 with `authorization_declined`: the user declined the device code sign-in. */
  authorizationDeclined: (): EntraError => ({
    status: 400,
    error: "authorization_declined",
    code: 65004,
    message: "User declined to consent to access the app.",
  }),
  /** 70020: the device code is past `expires_in`. */
  deviceCodeExpired: (): EntraError => ({
    status: 400,
    error: "expired_token",
    code: 70020,
    message:
      "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  }),
  /** 70018: unknown device code. */
  badVerificationCode: (): EntraError => ({
    status: 400,
    error: "bad_verification_code",
    code: 70018,
    message:
      "The provided value for the input parameter 'device_code' is not valid. Invalid verification code due to User typing in wrong user code for device code flow.",
  }),
  /** 700016: unknown application id. */
  /** 50020: the user has no access to that tenant (no guest account, no GDAP relationship). */
  userNotInTenant: (username: string, tenant: string): EntraError => ({
    status: 400,
    error: "invalid_grant",
    code: 50020,
    message: `User account '${username}' from identity provider 'https://sts.windows.net/' does not exist in tenant '${tenant}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first.`,
  }),
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
