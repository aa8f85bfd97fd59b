import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import type { RefreshEngine, RefreshOutcome } from "../engine/refresh-engine.ts";
import type { ProfileStatus } from "../engine/status.ts";
import type { Logger } from "../log/logger.ts";
import { readStatuses } from "../status-snapshot.ts";
import { jitterWindowMs } from "./jitter.ts";
import { type RunVerdict, type ScheduleEntry, Scheduler, type SchedulerOptions } from "./scheduler.ts";

export interface SchedulerHooks
  extends Pick<SchedulerOptions, "heartbeatMs" | "onHeartbeat" | "onRunFinished"> {
  /** Each scheduled run's outcome, before `onRunFinished` (metrics). */
  onOutcome?: (name: string, outcome: RefreshOutcome) => void;
}

/**
 * The scheduler for every profile with a `schedule`, knowing each one's last success for catch-up;
 * `statuses` when the caller has already read them (the runtime reads them once at start).
 */
export async function scheduleFor(
  config: PartnerdConfig,
  engine: Pick<RefreshEngine, "refresh">,
  logger: Logger,
  hooks: SchedulerHooks,
  statuses?: ReadonlyMap<string, ProfileStatus>,
): Promise<Scheduler> {
  const scheduled = Object.values(config.profiles).filter((p) => p.schedule);
  const entries = scheduleEntries(
    scheduled,
    statuses ??
      (await readStatuses(
        config.stateDir,
        scheduled.map((p) => p.name),
      )),
  );
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

/**
 * Its own function so that no closure the scheduler keeps (`run` below) shares a scope with the
 * statuses: 10,000 of them would stay in memory for the daemon's life.
 */
function scheduleEntries(
  scheduled: readonly ProfileConfig[],
  statuses: ReadonlyMap<string, ProfileStatus>,
): ScheduleEntry[] {
  return scheduled.map((profile) => {
    const lastSuccessAt = statuses.get(profile.name)?.lastSuccessAt;
    return {
      name: profile.name,
      schedule: profile.schedule!,
      timezone: profile.timezone,
      jitterMs: jitterWindowMs(profile),
      lastSuccessAt: lastSuccessAt ? new Date(lastSuccessAt) : undefined,
    };
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
