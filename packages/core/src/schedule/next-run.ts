import { Cron } from "croner";

/** croner's table of allowed years for a pattern without a year field: every year allowed. */
const EVERY_YEAR: readonly number[] = Object.freeze(Array(10_000).fill(1));

/**
 * croner gives each pattern its own table of the years 0-9999 (80 KB), nearly all of its ~82 KB per
 * schedule: a config spreading 10,000 profiles over 60 schedules kept 4.9 MB of identical tables, all
 * built while the daemon starts. croner reads the table only for a pattern with a year field, and never
 * writes it after parsing: patterns without one share one (frozen). Skipped if croner's internals are not
 * as expected.
 */
function shareYearTable(cron: Cron): Cron {
  const pattern = (cron as unknown as { _states?: { pattern?: { starYear?: unknown; year?: unknown } } })
    ._states?.pattern;
  const year = pattern?.year;
  if (pattern?.starYear === true && Array.isArray(year) && year.length === EVERY_YEAR.length) {
    pattern.year = EVERY_YEAR;
  }
  return cron;
}

/**
 * Evaluation only: croner computes run times from any moment (node-cron only from "now"), and nothing
 * here starts a timer. Day-of-month and day-of-week both have to match, as in node-cron's validation.
 */
function cronOf(schedule: string, timezone: string | undefined): Cron {
  return shareYearTable(new Cron(schedule, { domAndDow: true, ...(timezone ? { timezone } : {}) }));
}

/** A parsed schedule, for code that asks for run times often (the scheduler, per profile). */
export interface CompiledSchedule {
  /** The first run strictly after `from`, or `undefined` if there is none. */
  after(from: Date): Date | undefined;
  /** The latest run at or before `at`, or `undefined` if there is none. */
  atOrBefore(at: Date): Date | undefined;
}

/**
 * Answers are remembered as intervals: every moment in [from, next) has the same next run, and every
 * moment in [previous, at] the same previous run. Thousands of profiles sharing one schedule then cost
 * a few cron evaluations per tick instead of one each (with a time zone, one costs ~50 µs).
 */
export function compileSchedule(schedule: string, timezone?: string): CompiledSchedule {
  const cron = cronOf(schedule, timezone);
  let next: { from: number; run: Date | undefined } | undefined;
  let previous: { run: Date | undefined; at: number } | undefined;
  return {
    after(from) {
      const t = from.getTime();
      const known = next?.run;
      if (next && known && next.from <= t && t < known.getTime()) return known;
      const run = cron.nextRun(from) ?? undefined;
      const same = next && run && known && run.getTime() === known.getTime();
      next = { from: same ? Math.min(next!.from, t) : t, run };
      return run;
    },
    atOrBefore(at) {
      const t = at.getTime();
      const known = previous?.run;
      if (previous && known && known.getTime() <= t && t <= previous.at) return known;
      // croner's previous runs are strictly before the reference: one millisecond later includes `at`.
      const run = cron.previousRuns(1, new Date(t + 1))[0];
      const same = previous && run && known && run.getTime() === known.getTime();
      previous = { run, at: same ? Math.max(previous!.at, t) : t };
      return run;
    },
  };
}

/** The next `count` times `schedule` fires (in `timezone`) after `from`. */
export function nextRuns(schedule: string, count: number, timezone?: string, from = new Date()): Date[] {
  return cronOf(schedule, timezone).nextRuns(count, from);
}

/** The first time `schedule` fires strictly after `from`, or `undefined` if it never does again. */
export function nextRunAfter(schedule: string, from: Date, timezone?: string): Date | undefined {
  return compileSchedule(schedule, timezone).after(from);
}

/** The most recent time `schedule` fired at or before `at`, or `undefined` if it never did. */
export function previousRun(schedule: string, at: Date, timezone?: string): Date | undefined {
  return compileSchedule(schedule, timezone).atOrBefore(at);
}

/**
 * Every (schedule, time zone) compiled so far in this process. Shared by all users (the scheduler, the
 * expiry checks, the daemon's profile board): croner keeps ~80 KB of tables per schedule, and the
 * remembered answers depend only on the schedule. A config has a handful of distinct schedules.
 */
const compiled = new Map<string, CompiledSchedule>();

function sharedSchedule(schedule: string, timezone?: string): CompiledSchedule {
  const key = `${timezone ?? ""}\n${schedule}`;
  const known = compiled.get(key);
  if (known) return known;
  const fresh = compileSchedule(schedule, timezone);
  compiled.set(key, fresh);
  return fresh;
}

/** A lookup that compiles each (schedule, time zone) once, so profiles sharing one share its memory. */
export function scheduleCompiler(): (schedule: string, timezone?: string) => CompiledSchedule {
  return sharedSchedule;
}
