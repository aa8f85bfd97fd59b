import {
  type Logger,
  type PartnerdConfig,
  PartnerdRuntime,
  type Scheduler,
  UsageError,
} from "@partnerd/core";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/**
 * The daemon. SIGTERM/SIGINT: stop scheduling, let in-flight refreshes finish and persist, exit 0;
 * a second signal exits at once. SIGHUP: reload the config, keeping the old one if the new is invalid.
 */
export async function runCommand(options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options);
  let runtime = await openRuntime(await loadConfigFor(options, logger), logger);
  await startRuntime(runtime, logger);
  let reloading: Promise<void> = Promise.resolve();
  /** Runtimes replaced by a reload that still finish a refresh; shutdown waits for them too. */
  const retiring = new Set<Promise<void>>();

  const reload = async () => {
    logger.info("reloading the config (SIGHUP)");
    let next: PartnerdRuntime;
    try {
      next = await openRuntime(await loadConfigFor(options, logger), logger);
    } catch (error) {
      logger.error("reload failed; keeping the running config", { error: (error as Error).message });
      return;
    }
    // Per profile: idle ones switch now, one in flight switches when its refresh ends.
    const previous = runtime;
    runtime = next;
    try {
      const { scheduler, retired } = await next.takeOver(previous);
      logRunning(next, scheduler, logger);
      const done = retired.finally(() => retiring.delete(done));
      retiring.add(done);
    } catch (error) {
      await next.close();
      throw error;
    }
  };

  await new Promise<void>((resolve) => {
    const onHup = () => {
      reloading = reloading.then(reload);
    };
    const stop = (signal: NodeJS.Signals) => {
      logger.info("stopping: letting in-flight refreshes finish", { signal });
      process.once(signal, () => {
        logger.warn("second signal: exiting without waiting", { signal });
        process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
      });
      process.off("SIGHUP", onHup);
      void reloading
        .then(() => Promise.all([runtime.close(), ...retiring]))
        .then(() => {
          logger.info("stopped");
          resolve();
        });
    };
    process.on("SIGHUP", onHup);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

async function openRuntime(config: PartnerdConfig, logger: Logger): Promise<PartnerdRuntime> {
  if (!Object.values(config.profiles).some((p) => p.schedule)) {
    throw new UsageError(
      `${config.file}: no profile has a schedule, so "partnerd run" would have nothing to do`,
    );
  }
  return PartnerdRuntime.open(config, { logger, builtinStores });
}

async function startRuntime(runtime: PartnerdRuntime, logger: Logger): Promise<void> {
  try {
    logRunning(runtime, await runtime.start(), logger);
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

function logRunning(runtime: PartnerdRuntime, scheduler: Scheduler, logger: Logger): void {
  logger.info("partnerd running", {
    config: runtime.config.file,
    profiles: scheduler.names.map(
      (name) => `${name} (next ${scheduler.nextRun(name)?.toISOString() ?? "-"})`,
    ),
  });
}
