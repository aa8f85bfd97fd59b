import { describe, expect, it } from "vitest";
import { LISTED_PROFILES, scheduleSummary } from "../../src/daemon/schedule-summary.ts";

const scheduleOf = (count: number) => {
  const names = Array.from({ length: count }, (_, i) => `p${i}`);
  // Later profiles run sooner, so the soonest are the last names.
  const at = (name: string) => new Date(Date.UTC(2026, 0, 1) + (count - Number(name.slice(1))) * 60_000);
  return { names, nextRun: (name: string) => at(name) };
};

describe("the start-up line's schedule summary", () => {
  it("lists every profile with its next run when there are few", () => {
    expect(scheduleSummary(scheduleOf(2))).toEqual({
      profiles: ["p0 (next 2026-01-01T00:02:00.000Z)", "p1 (next 2026-01-01T00:01:00.000Z)"],
    });
  });

  it("gives the count and the soonest runs when there are thousands", () => {
    const summary = scheduleSummary(scheduleOf(10_000));
    expect(summary.profileCount).toBe(10_000);
    expect(summary.profiles).toHaveLength(LISTED_PROFILES);
    expect(summary.profiles[0]).toBe("p9999 (next 2026-01-01T00:01:00.000Z)");
    expect(JSON.stringify(summary).length).toBeLessThan(2_000);
  });
});
