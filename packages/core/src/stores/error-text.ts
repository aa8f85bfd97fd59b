/** Helpers for store error messages: one readable line, never a secret value. */

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/** The first line, at most `max` characters: SDK errors can run to pages. Redact before cutting. */
export function firstLine(message: string, max = 300): string {
  const line = message.split(/\r?\n/, 1)[0]?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Replaces every occurrence of `value` in `message` (values under 6 characters are not tokens). */
export function redact(message: string, value: string | undefined): string {
  return value !== undefined && value.length >= 6 ? message.split(value).join("[redacted]") : message;
}
