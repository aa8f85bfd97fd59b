import { AuthError, ServerError } from "@azure/msal-node";
import { type FailureKind, RefreshError } from "../errors.ts";

/**
 * AADSTS codes after which trying again cannot help: the grant is gone or the app/user/tenant needs a
 * person (re-consent, MFA, a new secret). Sources: Entra's error-code reference, msal-node.md §5.3.
 */
const TERMINAL_AADSTS = new Set([
  70000, 70008, 700082, 700084, 50173, 70043, 50076, 50079, 50078, 65001, 90094, 90099, 50057, 50055, 50034,
  50053, 53003, 7000215, 7000222, 700027, 700016, 500011, 90002, 9002313, 54005, 700007, 50126, 50020,
]);

/** Codes Entra documents as transient (retryable, some with long back-off). */
const TRANSIENT_AADSTS = new Set([50033, 90024, 90033, 90006, 90090, 50087, 90055, 50196]);

const TERMINAL_OAUTH_ERRORS = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "invalid_scope",
  "invalid_request",
  "interaction_required",
  "consent_required",
  "login_required",
  "access_denied",
]);

const CONSENT_AADSTS = new Set([
  70000, 70008, 700082, 700084, 50173, 70043, 50076, 50079, 50078, 65001, 54005,
]);

export interface ClassifyContext {
  profile: string;
  retryAfterMs?: number | undefined;
  /** The request that failed without a response, if the last one did; the real cause behind msal's code. */
  transportError?: Error | undefined;
}

export function classifyRedeemError(error: unknown, context: ClassifyContext): RefreshError {
  if (error instanceof RefreshError) return error;
  // No response at all: msal's code (endpoints_resolution_error, network_error) hides what happened.
  if (context.transportError && !(error instanceof ServerError)) {
    return new RefreshError(context.profile, "transient", context.transportError.message, {
      code: "REFRESH_TRANSIENT",
      cause: error,
    });
  }
  const aadsts = aadstsNumber(error);
  const oauthError = error instanceof AuthError ? error.errorCode : undefined;
  const status = error instanceof ServerError ? error.status : undefined;
  const kind = failureKind(aadsts, oauthError, status);
  const needsConsent =
    kind === "terminal" &&
    (aadsts === undefined
      ? oauthError === "invalid_grant" || oauthError === "interaction_required"
      : CONSENT_AADSTS.has(aadsts));
  const summary =
    oauthError === "network_error" && context.transportError
      ? context.transportError.message
      : describe(error, aadsts, oauthError, status);
  return new RefreshError(context.profile, kind, summary, {
    ...(aadsts === undefined ? {} : { aadsts }),
    ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
    ...(needsConsent ? { hint: consentHint(context.profile) } : {}),
    code: needsConsent ? "NEEDS_CONSENT" : kind === "terminal" ? "REFRESH_TERMINAL" : "REFRESH_TRANSIENT",
    cause: error,
  });
}

/** For a profile that never had a refresh token: there is nothing to consent to "again". */
export function firstConsentHint(profile: string): string {
  return `no refresh token yet: a person consents once with "partnerd login ${profile}" (or puts a refresh token in the profile's store)`;
}

export function consentHint(profile: string): string {
  return `a person must consent again: run "partnerd login ${profile}" (or put a fresh refresh token in the profile's store)`;
}

function failureKind(
  aadsts: number | undefined,
  oauthError: string | undefined,
  status: number | undefined,
): FailureKind {
  if (aadsts !== undefined) {
    if (TERMINAL_AADSTS.has(aadsts)) return "terminal";
    if (TRANSIENT_AADSTS.has(aadsts)) return "transient";
  }
  if (status !== undefined && (status === 429 || status >= 500)) return "transient";
  if (oauthError && TERMINAL_OAUTH_ERRORS.has(oauthError)) return "terminal";
  return "transient";
}

function aadstsNumber(error: unknown): number | undefined {
  if (error instanceof ServerError && error.errorNo !== undefined && /^\d+$/.test(String(error.errorNo))) {
    return Number(error.errorNo);
  }
  const text = error instanceof AuthError ? error.errorMessage : error instanceof Error ? error.message : "";
  const match = /AADSTS(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** msal client errors whose own text only points at a web page. */
const MSAL_CLIENT_ERRORS: Record<string, string> = {
  endpoints_resolution_error:
    "could not read the identity provider's endpoints (its OpenID configuration); check environment/authority, network.caFile and the proxy",
};

/** One line without the provider's trace noise; AADSTS descriptions never contain tokens. */
function describe(
  error: unknown,
  aadsts: number | undefined,
  oauthError: string | undefined,
  status: number | undefined,
) {
  if (error instanceof AuthError) {
    const known = MSAL_CLIENT_ERRORS[error.errorCode];
    if (known) return `${known} (${error.errorCode})`;
    const description = /Description: (.*?)(?: - Correlation ID:| Trace ID:|$)/.exec(error.errorMessage)?.[1];
    const text = (description ?? error.errorMessage).split(/\r?\n/)[0]?.trim() ?? "";
    const parts = [oauthError, status ? `HTTP ${status}` : undefined].filter(Boolean).join(", ");
    const prefix = aadsts !== undefined && !text.includes(`AADSTS${aadsts}`) ? `AADSTS${aadsts}: ` : "";
    return `${prefix}${text || "identity provider error"}${parts ? ` (${parts})` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}
