import { RefreshError } from "../errors.ts";

/** The message of the network client's timeout (`timed out after 0.5 s waiting for host:port …`). */
const TIMED_OUT = /timed out after [\d.]+ s waiting for /;

export function isTimeout(error: unknown): boolean {
  return error instanceof RefreshError && error.kind === "transient" && TIMED_OUT.test(error.message);
}

/**
 * A redemption timed out and the retry of the same token was rejected: the provider most likely
 * received the first request and rotated (a strict provider then revokes the reuse). Said plainly,
 * because a generic "needs consent" hides that no person or expiry caused it.
 */
export function rotatedDuringTimeout(rejection: RefreshError): RefreshError {
  return new RefreshError(
    rejection.profile,
    "terminal",
    `the provider may have rotated the token during a timeout: a redemption timed out and the retry with the same token was rejected (${rejection.message}); raise network.timeoutMs if the provider is slow`,
    {
      code: "NEEDS_CONSENT",
      ...(rejection.aadsts === undefined ? {} : { aadsts: rejection.aadsts }),
      ...(rejection.hint ? { hint: rejection.hint } : {}),
      cause: rejection,
    },
  );
}
