import {
  type Logger,
  type PartnerdConfig,
  PartnerdError,
  PartnerdRuntime,
  type RuntimeObserver,
  type Scheduler,
  type SchedulerHooks,
  UsageError,
} from "@partnerd/core";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { logCrash } from "../daemon/crash.ts";
import { DaemonServices } from "../daemon/services.ts";

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/**
 * The daemon. SIGTERM/SIGINT: stop scheduling, let in-flight refreshes finish and persist, exit 0;
 * a second signal exits at once. SIGHUP: reload the config, keeping the old one if the new is invalid.
 */
export async function runCommand(options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options);
  const daemon = await DaemonServices.create(logger);
  try {
    await runUntilStopped(options, logger, daemon);
  } catch (error) {
    // Config and usage errors keep their one clear message (exit 2); anything else is a crash.
    if (error instanceof PartnerdError) throw error;
    logCrash(logger, error);
    process.exitCode = 1;
  } finally {
    await daemon.close();
  }
}

async function runUntilStopped(options: GlobalOptions, logger: Logger, daemon: DaemonServices) {
  let runtime = await openRuntime(await loadConfigFor(options, logger), logger, daemon.observer);
  let scheduler = await startRuntime(runtime, logger, daemon.schedulerHooks);
  await daemon.started(runtime, scheduler).catch(async (error: unknown) => {
    await runtime.close();
    throw error;
  });
  let reloading: Promise<void> = Promise.resolve();

  const reload = async () => {
    logger.info("reloading the config (SIGHUP)");
    daemon.reloading();
    let next: PartnerdRuntime;
    try {
      next = await openRuntime(await loadConfigFor(options, logger), logger, daemon.observer);
    } catch (error) {
      logger.error("reload failed; keeping the running config", { error: (error as Error).message });
      await daemon.reloaded(runtime, scheduler);
      return;
    }
    // The old runtime finishes its in-flight refreshes before the new one may start any.
    await runtime.close();
    runtime = next;
    scheduler = await startRuntime(runtime, logger, daemon.schedulerHooks);
    await daemon.reloaded(runtime, scheduler);
  };

  await new Promise<void>((resolve) => {
    const onHup = () => {
      reloading = reloading.then(reload);
    };
    const stop = (signal: NodeJS.Signals) => {
      logger.info("stopping: letting in-flight refreshes finish", { signal });
      daemon.stopping();
      process.once(signal, () => {
        logger.warn("second signal: exiting without waiting", { signal });
        process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
      });
      process.off("SIGHUP", onHup);
      void reloading
        .then(() => runtime.close())
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

async function openRuntime(
  config: PartnerdConfig,
  logger: Logger,
  observer: RuntimeObserver,
): Promise<PartnerdRuntime> {
  if (!Object.values(config.profiles).some((p) => p.schedule)) {
    throw new UsageError(
      `${config.file}: no profile has a schedule, so "partnerd run" would have nothing to do`,
    );
  }
  return PartnerdRuntime.open(config, { logger, builtinStores, observer });
}

async function startRuntime(
  runtime: PartnerdRuntime,
  logger: Logger,
  hooks: SchedulerHooks,
): Promise<Scheduler> {
  try {
    const scheduler = await runtime.start(hooks);
    logger.info("partnerd running", {
      config: runtime.config.file,
      profiles: scheduler.names.map(
        (name) => `${name} (next ${scheduler.nextRun(name)?.toISOString() ?? "-"})`,
      ),
    });
    return scheduler;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
