import { LOG_LEVELS, type Logger, type LogLevel, loadConfig, UsageError } from "@partnerd/core/config-load";
import { createLogger, type LogFormat } from "./logger.ts";
import { isJournalStream } from "./systemd/journal-stream.ts";

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
  logFormat?: string;
}

/**
 * `stream: "stderr"` for commands whose stdout is their result (`token`, `login`), so that
 * `$(partnerd token pc)` captures only the token.
 */
export function loggerFor(
  options: GlobalOptions,
  {
    stream = "stdout",
    defaultLevel = "info",
    defaultFormat,
  }: { stream?: "stdout" | "stderr"; defaultLevel?: LogLevel; defaultFormat?: LogFormat } = {},
): Logger {
  const level = (options.logLevel ?? process.env.PARTNERD_LOG_LEVEL ?? defaultLevel) as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new UsageError(`--log-level: "${level}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  const out = stream === "stderr" ? process.stderr : process.stdout;
  const format = (options.logFormat ?? defaultFormat ?? (out.isTTY ? "pretty" : "json")) as LogFormat;
  if (format !== "json" && format !== "pretty") {
    throw new UsageError(`--log-format: "${format}" is not one of json, pretty`);
  }
  return createLogger({
    level,
    format,
    priorityPrefix: isJournalStream(out.fd),
    write: (line) => out.write(line),
  });
}

/**
 * Loads and validates the config; warnings are logged, errors thrown as one `ConfigError`.
 * `secrets: "skip"` for commands that never sign in (`status`), so they run without the app's secrets.
 */
export async function loadConfigFor(
  options: GlobalOptions,
  logger: Logger,
  { secrets = "resolve" }: { secrets?: "resolve" | "skip" } = {},
) {
  const { config, warnings } = await loadConfig({
    ...(options.config ? { configPath: options.config } : {}),
    cwd: process.cwd(),
    secrets,
  });
  for (const warning of warnings) {
    logger.warn(warning.message, { file: warning.file, line: warning.line, path: warning.path });
  }
  return config;
}
