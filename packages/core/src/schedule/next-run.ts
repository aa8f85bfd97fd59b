import { Cron } from "croner";

/**
 * Evaluation only: croner computes run times from any moment (node-cron only from "now"), and nothing
 * here starts a timer. Day-of-month and day-of-week both have to match, as in node-cron's validation.
 */
function cronOf(schedule: string, timezone: string | undefined): Cron {
  return new Cron(schedule, { domAndDow: true, ...(timezone ? { timezone } : {}) });
}

/** The next `count` times `schedule` fires (in `timezone`) after `from`. */
export function nextRuns(schedule: string, count: number, timezone?: string, from = new Date()): Date[] {
  return cronOf(schedule, timezone).nextRuns(count, from);
}

/** The first time `schedule` fires strictly after `from`, or `undefined` if it never does again. */
export function nextRunAfter(schedule: string, from: Date, timezone?: string): Date | undefined {
  return cronOf(schedule, timezone).nextRun(from) ?? undefined;
}

/** The most recent time `schedule` fired at or before `at`, or `undefined` if it never did. */
export function previousRun(schedule: string, at: Date, timezone?: string): Date | undefined {
  return cronOf(schedule, timezone).previousRuns(1, at)[0];
}
