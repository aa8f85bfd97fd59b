/**
 * Every secret value partnerd has held in this process (tokens read, redeemed or journaled, client
 * secrets), so that text from anywhere — a third-party store's error, a hook's output — can be scrubbed
 * before it reaches a log line, a status file or an exception. `Secret` registers itself here.
 */
/** Oldest values are forgotten past this; a daemon sees a handful of new tokens a day per profile. */
const MAX_KNOWN = 4096;
/** Shorter values are not tokens and would redact ordinary words; also the length of the lookup key. */
const MIN_LENGTH = 8;
export const REDACTED = "[redacted]";

/** Known values in the order they were last seen (oldest first), to forget the oldest. */
const known = new Set<string>();
/** Known values by their first {@link MIN_LENGTH} characters: one map lookup per text position. */
const byPrefix = new Map<string, Set<string>>();

export function rememberSecret(value: string): void {
  if (value.length < MIN_LENGTH) return;
  if (known.delete(value)) {
    known.add(value);
    return;
  }
  known.add(value);
  const prefix = value.slice(0, MIN_LENGTH);
  const values = byPrefix.get(prefix) ?? new Set<string>();
  byPrefix.set(prefix, values.add(value));
  if (known.size > MAX_KNOWN) forget(known.values().next().value as string);
}

function forget(value: string): void {
  known.delete(value);
  const prefix = value.slice(0, MIN_LENGTH);
  const values = byPrefix.get(prefix);
  values?.delete(value);
  if (values?.size === 0) byPrefix.delete(prefix);
}

/**
 * `text` with every known secret value replaced by `[redacted]`. Linear in the text's length whatever
 * the number of known values, since every log line passes through here.
 */
export function redactKnownSecrets(text: string): string {
  if (known.size === 0 || text.length < MIN_LENGTH) return text;
  let out = "";
  let copied = 0;
  for (let at = 0; at + MIN_LENGTH <= text.length; ) {
    let match: string | undefined;
    for (const value of byPrefix.get(text.slice(at, at + MIN_LENGTH)) ?? []) {
      if ((match === undefined || value.length > match.length) && text.startsWith(value, at)) match = value;
    }
    if (match === undefined) {
      at++;
      continue;
    }
    out += text.slice(copied, at) + REDACTED;
    at += match.length;
    copied = at;
  }
  return copied === 0 ? text : out + text.slice(copied);
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
