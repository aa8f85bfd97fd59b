import type { Scheduler } from "@partnerd/core";

/** Up to this many profiles are listed by name in the start-up line; beyond, a count and the soonest. */
export const LISTED_PROFILES = 20;

/**
 * The start-up log line's fields: every profile with its next run when there are few; with thousands
 * (one line of ~500 KB at 10,000), the count and the soonest runs. `partnerd status` lists them all.
 */
export function scheduleSummary(scheduler: Pick<Scheduler, "names" | "nextRun">): {
  profiles: string[];
  profileCount?: number;
} {
  const listed = (name: string) => `${name} (next ${scheduler.nextRun(name)?.toISOString() ?? "-"})`;
  const names = scheduler.names;
  if (names.length <= LISTED_PROFILES) return { profiles: names.map(listed) };
  const soonest = names
    .map((name) => ({ name, at: scheduler.nextRun(name)?.getTime() ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.at - b.at)
    .slice(0, LISTED_PROFILES)
    .map(({ name }) => listed(name));
  return { profiles: soonest, profileCount: names.length };
}
