import { ConsentError, printable } from "./errors.ts";
import type { FailureDetails } from "./pages.ts";
import { stateMatches } from "./state.ts";

export type Decision =
  /** Carries none of code, state, error: a stray visit, not the redirect. */
  | { kind: "ignore" }
  | { kind: "success"; code: string }
  | { kind: "failure"; status: number; error: ConsentError; page: FailureDetails };

/**
 * Judges the authorization response. Order matters: `state` first (an unverified response is not trusted
 * for anything, including its error text), then `error`, then `code`. The cmdlet checked neither state nor
 * error.
 */
export function decideRedirect(params: URLSearchParams, expectedState: string): Decision {
  const code = params.get("code");
  const state = params.get("state");
  const error = params.get("error");
  if (code === null && state === null && error === null) return { kind: "ignore" };

  if (state === null || !stateMatches(state, expectedState)) {
    const what = state === null ? "carried no state" : "carried a state that is not the one partnerd sent";
    return {
      kind: "failure",
      status: 400,
      error: new ConsentError(
        "STATE_MISMATCH",
        `the sign-in redirect ${what}; it was refused as a possible forged request (CSRF) or a redirect ` +
          "from an older sign-in tab. Start the sign-in again and finish it in the tab it opens",
      ),
      page: {
        summary:
          "The response does not belong to the sign-in that was started, so it was refused. It may have " +
          "been forged (cross-site request forgery) or come from an older sign-in tab. Nothing was saved; " +
          "start the sign-in again.",
      },
    };
  }

  if (error !== null) {
    const description = params.get("error_description") ?? undefined;
    const denied = error === "access_denied";
    const detail = `${printable(error, 100)}${description ? `: ${printable(description, 1000)}` : ""}`;
    return {
      kind: "failure",
      status: 200,
      error: new ConsentError(
        denied ? "CONSENT_DENIED" : "AUTHORIZATION_FAILED",
        denied
          ? `the sign-in was declined or consent was not granted (${detail})`
          : `the identity provider refused the sign-in (${detail})`,
        { oauthError: error, ...(description === undefined ? {} : { errorDescription: description }) },
      ),
      page: {
        summary: denied
          ? "The sign-in was declined or consent was not granted."
          : "The identity provider refused the sign-in.",
        error,
        errorDescription: description,
      },
    };
  }

  if (code === null || code === "") {
    return {
      kind: "failure",
      status: 400,
      error: new ConsentError(
        "MISSING_CODE",
        "the sign-in redirect carried neither an authorization code nor an error; start the sign-in again",
      ),
      page: { summary: "The response carried no authorization code. Start the sign-in again." },
    };
  }
  return { kind: "success", code };
}
