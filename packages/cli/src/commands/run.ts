import { type Logger, type PartnerdConfig, PartnerdRuntime, UsageError } from "@partnerd/core";
import { builtinHooks } from "../builtin-hooks.ts";
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

  const reload = async () => {
    logger.info("reloading the config (SIGHUP)");
    let next: PartnerdRuntime;
    try {
      next = await openRuntime(await loadConfigFor(options, logger), logger);
    } catch (error) {
      logger.error("reload failed; keeping the running config", { error: (error as Error).message });
      return;
    }
    // The old runtime finishes its in-flight refreshes before the new one may start any.
    await runtime.close();
    runtime = next;
    await startRuntime(runtime, logger);
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

async function openRuntime(config: PartnerdConfig, logger: Logger): Promise<PartnerdRuntime> {
  if (!Object.values(config.profiles).some((p) => p.schedule)) {
    throw new UsageError(
      `${config.file}: no profile has a schedule, so "partnerd run" would have nothing to do`,
    );
  }
  return PartnerdRuntime.open(config, { logger, builtinStores, builtinHooks });
}

async function startRuntime(runtime: PartnerdRuntime, logger: Logger): Promise<void> {
  try {
    const scheduler = await runtime.start();
    logger.info("partnerd running", {
      config: runtime.config.file,
      profiles: scheduler.names.map(
        (name) => `${name} (next ${scheduler.nextRun(name)?.toISOString() ?? "-"})`,
      ),
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
