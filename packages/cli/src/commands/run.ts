import {
  DAEMON_LOCK_KEY,
  ensurePrivateDir,
  FileLocks,
  type HeldLock,
  type Logger,
  type PartnerdConfig,
  PartnerdError,
  type PartnerdRuntime,
  type RuntimeObserver,
  type Scheduler,
  type SchedulerHooks,
  UsageError,
} from "@partnerd/core";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { logCrash } from "../daemon/crash.ts";
import { scheduleSummary } from "../daemon/schedule-summary.ts";
import { DaemonServices } from "../daemon/services.ts";
import { openCommandRuntime } from "../open-runtime.ts";
import { DaemonServer } from "../server/daemon-server.ts";
import { TokenService } from "../server/token-service.ts";

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/**
 * The daemon. SIGTERM/SIGINT: stop scheduling, let in-flight refreshes finish and persist, exit 0;
 * a second signal exits at once. SIGHUP: reload the config, keeping the old one if the new is invalid.
 * One daemon per state folder: a second one refuses to start and names the first.
 */
export async function runCommand(options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options);
  const daemon = await DaemonServices.create(logger);
  try {
    const config = await loadConfigFor(options, logger);
    const stateFolder = await claimStateFolder(config.stateDir);
    try {
      await runUntilStopped(config, options, logger, daemon);
    } finally {
      await stateFolder.release();
    }
  } catch (error) {
    // Config and usage errors keep their one clear message (exit 2); anything else is a crash.
    if (error instanceof PartnerdError) throw error;
    logCrash(logger, error);
    process.exitCode = 1;
  } finally {
    await daemon.close();
  }
}

async function runUntilStopped(
  config: PartnerdConfig,
  options: GlobalOptions,
  logger: Logger,
  daemon: DaemonServices,
) {
  let runtime = await openRuntime(config, logger, daemon.observer);
  const tokens = new TokenService(() => runtime);
  // Scheduled refreshes hand their access tokens to the token service.
  const schedulerHooks = (): SchedulerHooks => {
    const base = daemon.schedulerHooks;
    return {
      ...base,
      onOutcome: (name, outcome) => {
        base.onOutcome?.(name, outcome);
        tokens.remember(name, outcome);
      },
    };
  };
  let scheduler = await startRuntime(runtime, logger, schedulerHooks());
  let server: DaemonServer | undefined;
  try {
    server = await DaemonServer.start(tokens, () => runtime, logger);
    await daemon.started(runtime, scheduler);
  } catch (error) {
    await Promise.all([server?.close(), runtime.close()]);
    throw error;
  }
  const listening = server;
  let reloading: Promise<void> = Promise.resolve();
  /** Runtimes replaced by a reload that still finish a refresh; shutdown waits for them too. */
  const retiring = new Set<Promise<void>>();

  const reload = async () => {
    logger.info("reloading the config (SIGHUP)");
    daemon.reloading();
    let next: PartnerdRuntime;
    try {
      const nextConfig = await loadConfigFor(options, logger);
      if (nextConfig.stateDir !== runtime.config.stateDir) {
        throw new UsageError(
          `stateDir changed to ${nextConfig.stateDir}; restart partnerd to move the state folder`,
        );
      }
      next = await openRuntime(nextConfig, logger, daemon.observer);
    } catch (error) {
      logger.error("reload failed; keeping the running config", { error: (error as Error).message });
      await daemon.reloaded(runtime, scheduler);
      return;
    }
    // Per profile: idle ones switch now, one in flight switches when its refresh ends.
    const previous = runtime;
    runtime = next;
    tokens.forget();
    try {
      const taken = await next.takeOver(previous, schedulerHooks());
      scheduler = taken.scheduler;
      logRunning(next, scheduler, logger);
      const done = taken.retired.finally(() => retiring.delete(done));
      retiring.add(done);
    } catch (error) {
      await next.close();
      throw error;
    }
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
        .then(() => Promise.all([listening.close(), runtime.close(), ...retiring]))
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

/** Takes the state folder's daemon lock, or says which process has it (exit 1). */
async function claimStateFolder(stateDir: string): Promise<Pick<HeldLock, "release">> {
  try {
    await ensurePrivateDir(stateDir);
    const locks = new FileLocks(stateDir, "partnerd run", () => `the state folder ${stateDir}`);
    const lock = await locks.acquire(DAEMON_LOCK_KEY, { waitMs: 0 }).catch(async (error: unknown) => {
      await locks.close();
      throw error;
    });
    return {
      release: async () => {
        await lock.release();
        await locks.close();
      },
    };
  } catch (error) {
    if (error instanceof PartnerdError) {
      throw new PartnerdError(
        error.code,
        `${error.message}: another "partnerd run" owns it; stop that one first, or give this one its own stateDir`,
      );
    }
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? String(error));
    throw new PartnerdError(
      "STATE_DIR_UNWRITABLE",
      `cannot use the state folder ${stateDir} (${reason}); it must be writable by the user partnerd runs as`,
    );
  }
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
  return openCommandRuntime(config, logger, "partnerd run", observer);
}

async function startRuntime(
  runtime: PartnerdRuntime,
  logger: Logger,
  hooks: SchedulerHooks,
): Promise<Scheduler> {
  try {
    const scheduler = await runtime.start(hooks);
    logRunning(runtime, scheduler, logger);
    return scheduler;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

function logRunning(runtime: PartnerdRuntime, scheduler: Scheduler, logger: Logger): void {
  logger.info("partnerd running", { config: runtime.config.file, ...scheduleSummary(scheduler) });
}
