import { LOG_LEVELS, type LogFields, type Logger, type LogLevel } from "@partnerd/core/config";

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
    write(options.priorityPrefix ? `<${SYSLOG_PRIORITY[level]}>${line}` : line);
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

function prettyLine(level: LogLevel, message: string, fields: LogFields): string {
  const { profile, ...rest } = normalize(fields);
  const time = new Date().toTimeString().slice(0, 8);
  const scope = profile ? `[${String(profile)}] ` : "";
  const details = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${time} ${LEVEL_LABEL[level]} ${scope}${message}${details ? `  ${details}` : ""}\n`;
}

function normalize(fields: LogFields): LogFields {
  return JSON.parse(
    JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value)),
  ) as LogFields;
}
