import {
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LogLevel,
  redactKnownSecrets,
} from "@partnerd/core/config-load";

export type LogFormat = "json" | "pretty";

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  /**
   * Start each line with its syslog priority (`<3>` error ... `<7>` debug), which journald strips and
   * stores as the entry's priority, so that `journalctl -p err` works.
   */
  priorityPrefix?: boolean;
}

const SYSLOG_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/**
 * JSON lines for journald and log shippers, or one readable line per event on a terminal. Field values
 * are serialized with JSON, so a `Secret` prints as its fingerprint and an Error as its message.
 */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const all = { ...bound, ...fields };
    const line = options.format === "json" ? jsonLine(level, message, all) : prettyLine(level, message, all);
    // The last line of defence: no value partnerd holds as a secret leaves in a log line.
    const safe = redactKnownSecrets(line);
    write(options.priorityPrefix ? `<${SYSLOG_PRIORITY[level]}>${safe}` : safe);
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function jsonLine(level: LogLevel, message: string, fields: LogFields): string {
  return `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...normalize(fields) })}\n`;
}

const LEVEL_LABEL: Record<LogLevel, string> = {
  debug: "DEBUG",
  info: "INFO ",
  warn: "WARN ",
  error: "ERROR",
};

/** Fields a terminal reader does not need on every line; JSON logs keep them. */
const PRETTY_OMITTED = new Set(["accessTokenExpiresAt"]);

function prettyLine(level: LogLevel, message: string, fields: LogFields): string {
  const { profile, previousFingerprint, fingerprint, ...rest } = normalize(fields);
  const time = new Date().toTimeString().slice(0, 8);
  const scope = profile ? `[${String(profile)}] ` : "";
  // A rotation reads as "old → new"; a rotation is what the arrow already says.
  const rotation =
    previousFingerprint && fingerprint && previousFingerprint !== fingerprint
      ? `${String(previousFingerprint)} → ${String(fingerprint)}`
      : undefined;
  const shown = Object.entries({
    ...(rotation || fingerprint === undefined ? {} : { fingerprint }),
    ...rest,
  }).filter(([key, value]) => !PRETTY_OMITTED.has(key) && !(rotation && key === "rotated" && value === true));
  const details = [
    ...(rotation ? [rotation] : []),
    ...shown.map(([key, value]) => `${key}=${prettyValue(value)}`),
  ].join(" ");
  return `${time} ${LEVEL_LABEL[level]} ${scope}${message}${details ? `  ${details}` : ""}\n`;
}

function prettyValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join(",");
  return JSON.stringify(value);
}

function normalize(fields: LogFields): LogFields {
  return JSON.parse(
    JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value)),
  ) as LogFields;
}
