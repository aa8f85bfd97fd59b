import { LOG_LEVELS, type Logger, type LogLevel, loadConfig, UsageError } from "@partnerd/core";
import { createLogger, type LogFormat } from "./logger.ts";

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
  logFormat?: string;
}

export function loggerFor(options: GlobalOptions): Logger {
  const level = (options.logLevel ?? process.env.PARTNERD_LOG_LEVEL ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new UsageError(`--log-level: "${level}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  const format = (options.logFormat ?? (process.stdout.isTTY ? "pretty" : "json")) as LogFormat;
  if (format !== "json" && format !== "pretty") {
    throw new UsageError(`--log-format: "${format}" is not one of json, pretty`);
  }
  return createLogger({ level, format });
}

/** Loads and validates the config; warnings are logged, errors thrown as one `ConfigError`. */
export async function loadConfigFor(options: GlobalOptions, logger: Logger) {
  const { config, warnings } = await loadConfig({
    ...(options.config ? { configPath: options.config } : {}),
    cwd: process.cwd(),
  });
  for (const warning of warnings) {
    logger.warn(warning.message, { file: warning.file, line: warning.line, path: warning.path });
  }
  return config;
}
