import type { PartnerdConfig } from "../config/types.ts";
import type { ConfigIssue } from "../errors.ts";
import type { StorePlugin } from "../stores/contract.ts";
import { nextRuns } from "./next-run.ts";

/** The shortest gap between two runs of `schedule` over its next `sample` runs, in seconds. */
export function shortestIntervalSeconds(schedule: string, timezone?: string, sample = 48): number {
  const runs = nextRuns(schedule, sample, timezone).map((d) => d.getTime());
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) shortest = Math.min(shortest, (runs[i]! - runs[i - 1]!) / 1000);
  return shortest;
}

/**
 * Warnings for profiles whose schedule writes a store more often than the store advises (AWS Secrets
 * Manager: once per 10 minutes, because every write is a version kept for at least a day).
 */
export function writeRateWarnings(
  config: PartnerdConfig,
  plugins: ReadonlyMap<string, StorePlugin>,
): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  // Only some stores advise a rate (AWS); the schedule's runs are computed only for profiles writing one,
  // and once per (schedule, time zone).
  const intervals = new Map<string, number>();
  const intervalOf = (schedule: string, timezone: string | undefined): number => {
    const key = `${timezone ?? ""}\n${schedule}`;
    let interval = intervals.get(key);
    if (interval === undefined) {
      interval = shortestIntervalSeconds(schedule, timezone);
      intervals.set(key, interval);
    }
    return interval;
  };
  for (const profile of Object.values(config.profiles)) {
    if (!profile.schedule || profile.flow !== "refresh-token") continue;
    for (const location of profile.refreshToken) {
      const advised = plugins.get(location.store)?.capabilities?.minWriteIntervalSeconds;
      if (advised === undefined) continue;
      const interval = intervalOf(profile.schedule, profile.timezone);
      if (interval >= advised) continue;
      warnings.push({
        ...config.locate(`profiles.${profile.name}.schedule`),
        message: `writes store "${location.store}" every ${interval} s; that store advises at most one write every ${advised} s (each write is a new version)`,
      });
    }
  }
  return warnings;
}
