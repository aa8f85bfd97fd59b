import type { Logger } from "@partnerd/core";

/** One log line for a crash (stack as a field), so journald gets one entry at error priority. */
export function logCrash(logger: Logger, error: unknown, how = "partnerd crashed"): void {
  const err = error instanceof Error ? error : new Error(String(error));
  logger.error(how, {
    error: err.message,
    stack:
      err.stack
        ?.split("\n")
        .slice(1)
        .map((line) => line.trim()) ?? [],
  });
}

/** Uncaught exceptions and unhandled rejections go through the logger, then the process exits 1. */
export function logCrashesThrough(logger: Logger, beforeExit: () => void): void {
  const crash = (error: unknown) => {
    logCrash(logger, error);
    try {
      beforeExit();
    } finally {
      process.exit(1);
    }
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}
