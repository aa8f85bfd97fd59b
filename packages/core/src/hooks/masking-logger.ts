import type { LogFields, Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import { redact } from "../stores/error-text.ts";

/** `text` with every value of `secrets` replaced by `[redacted]`. */
export function maskSecrets(text: string, secrets: readonly Secret[]): string {
  return secrets.reduce((masked, secret) => redact(masked, secret.reveal()), text);
}

/**
 * A logger for code partnerd does not control (a hook plugin): every string it logs, in the message or
 * nested in fields, has the given secrets masked, so that a plugin echoing its webhook URL or a script
 * printing the access token it was given does not put them in the journal.
 */
export function maskingLogger(logger: Logger, secrets: readonly Secret[]): Logger {
  if (secrets.length === 0) return logger;
  const mask = (value: unknown): unknown => {
    if (typeof value === "string") return maskSecrets(value, secrets);
    if (Array.isArray(value)) return value.map(mask);
    // A `Secret` or a `Date` serializes itself safely.
    if (typeof (value as { toJSON?: unknown } | null)?.toJSON === "function") return value;
    if (typeof value === "object" && value !== null) {
      const source = value instanceof Error ? { message: value.message } : value;
      return Object.fromEntries(Object.entries(source).map(([key, inner]) => [key, mask(inner)]));
    }
    return value;
  };
  const level =
    (write: (message: string, fields?: LogFields) => void) => (message: string, fields?: LogFields) =>
      write(maskSecrets(message, secrets), fields === undefined ? undefined : (mask(fields) as LogFields));
  return {
    debug: level(logger.debug.bind(logger)),
    info: level(logger.info.bind(logger)),
    warn: level(logger.warn.bind(logger)),
    error: level(logger.error.bind(logger)),
    child: (fields) => maskingLogger(logger.child(mask(fields) as LogFields), secrets),
  };
}
