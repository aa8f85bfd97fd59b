/**
 * Every secret value partnerd has held in this process (tokens read, redeemed or journaled, client
 * secrets), so that text from anywhere — a third-party store's error, a hook's output — can be scrubbed
 * before it reaches a log line, a status file or an exception. `Secret` registers itself here.
 */
const known = new Set<string>();
/** Oldest values are forgotten past this; a daemon sees a handful of new tokens a day. */
const MAX_KNOWN = 4096;
/** Shorter values are not tokens and would redact ordinary words. */
const MIN_LENGTH = 8;
export const REDACTED = "[redacted]";

export function rememberSecret(value: string): void {
  if (value.length < MIN_LENGTH) return;
  known.delete(value);
  known.add(value);
  if (known.size > MAX_KNOWN) known.delete(known.values().next().value as string);
}

/** `text` with every known secret value replaced by `[redacted]`. */
export function redactKnownSecrets(text: string): string {
  if (known.size === 0 || text.length < MIN_LENGTH) return text;
  let out = text;
  for (const value of known) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

/**
 * The same error with known secrets redacted from its message (and its cause chain's), for errors
 * that cross from a plugin into core. Returns a plain `Error` copy when the message had to change.
 */
export function redactError(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? redactKnownSecrets(error) : error;
  const message = redactKnownSecrets(error.message);
  const cause = error.cause === undefined ? undefined : redactError(error.cause);
  if (message === error.message && cause === error.cause) return error;
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) (copy as Error & { code?: unknown }).code = code;
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}
