import { PartnerdError } from "../../errors.ts";

export type ConsentErrorCode =
  /** Every port of the range is taken on 127.0.0.1 (or on ::1 by someone else). */
  | "PORTS_EXHAUSTED"
  /** 127.0.0.1 refused for another reason than "taken" (e.g. EADDRNOTAVAIL): no port would work. */
  | "LISTEN_FAILED"
  /** `firstPort`/`lastPort` are not a valid range. */
  | "INVALID_PORT_RANGE"
  /** The redirect's `state` is missing or is not the one this sign-in sent: possibly forged (CSRF). */
  | "STATE_MISMATCH"
  /** Entra redirected with `error=access_denied`: the person (or an admin policy) declined. */
  | "CONSENT_DENIED"
  /** Entra redirected with another `error` (e.g. `invalid_request`, `consent_required`). */
  | "AUTHORIZATION_FAILED"
  /** The redirect carried the right `state` but neither `code` nor `error`. */
  | "MISSING_CODE"
  /** No redirect arrived within `timeoutMs`. */
  | "TIMEOUT"
  /** The signal aborted (Ctrl-C) or the listener was closed before a redirect arrived. */
  | "CANCELLED";

/**
 * The browser consent step failed. Messages may quote Entra's `error` and `error_description` (AADSTS
 * texts, not secrets) but never the authorization code.
 */
export class ConsentError extends PartnerdError {
  declare readonly code: ConsentErrorCode;
  /** The OAuth `error` from the redirect, for CONSENT_DENIED / AUTHORIZATION_FAILED. */
  readonly oauthError: string | undefined;
  /** The OAuth `error_description` from the redirect (usually `AADSTS…: …`). */
  readonly errorDescription: string | undefined;

  constructor(
    code: ConsentErrorCode,
    message: string,
    details: { oauthError?: string; errorDescription?: string; cause?: unknown; exitCode?: number } = {},
  ) {
    super(code, message, {
      ...(details.cause === undefined ? {} : { cause: details.cause }),
      ...(details.exitCode === undefined ? {} : { exitCode: details.exitCode }),
    });
    this.oauthError = details.oauthError;
    this.errorDescription = details.errorDescription;
  }
}

/**
 * Makes text that arrived over HTTP safe to put in a terminal message: control characters (escape
 * sequences could rewrite the terminal) become spaces, and the length is capped.
 */
export function printable(text: string, max = 500): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
