import type { PartnerdConfig } from "../config/types.ts";
import type { RefreshEngine, RefreshOutcome } from "../engine/refresh-engine.ts";
import { StatusBook } from "../engine/status.ts";
import type { Logger } from "../log/logger.ts";
import { mapConcurrent } from "../util/map-concurrent.ts";
import { jitterWindowMs } from "./jitter.ts";
import { type RunVerdict, type ScheduleEntry, Scheduler, type SchedulerOptions } from "./scheduler.ts";

export interface SchedulerHooks
  extends Pick<SchedulerOptions, "heartbeatMs" | "onHeartbeat" | "onRunFinished"> {
  /** Each scheduled run's outcome, before `onRunFinished` (metrics). */
  onOutcome?: (name: string, outcome: RefreshOutcome) => void;
}

/** The scheduler for every profile with a `schedule`, knowing each one's last success for catch-up. */
export async function scheduleFor(
  config: PartnerdConfig,
  engine: Pick<RefreshEngine, "refresh">,
  logger: Logger,
  hooks: SchedulerHooks,
): Promise<Scheduler> {
  const book = new StatusBook(config.stateDir);
  const scheduled = Object.values(config.profiles).filter((p) => p.schedule);
  // Last successes read a few at a time: one by one, 10,000 status files take seconds.
  const entries: ScheduleEntry[] = await mapConcurrent(scheduled, 32, async (profile) => {
    const { lastSuccessAt } = await book.read(profile.name).catch(() => ({ lastSuccessAt: undefined }));
    return {
      name: profile.name,
      schedule: profile.schedule!,
      timezone: profile.timezone,
      jitterMs: jitterWindowMs(profile),
      lastSuccessAt: lastSuccessAt ? new Date(lastSuccessAt) : undefined,
    };
  });
  const { onOutcome, ...options } = hooks;
  return new Scheduler(entries, {
    ...options,
    logger,
    run: async (name) => {
      const outcome = await engine.refresh(name);
      onOutcome?.(name, outcome);
      return verdictOf(outcome);
    },
  });
}

/** Needs-consent failures are already parked by the engine; other terminal ones back off over ticks. */
export function verdictOf(outcome: RefreshOutcome): RunVerdict {
  if (outcome.status === "refreshed" || outcome.status === "checked") return "ok";
  if (outcome.status === "failed" && outcome.failure.kind === "terminal" && !outcome.failure.needsConsent) {
    return "terminal";
  }
  return "other";
}
