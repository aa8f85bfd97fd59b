import { Cron } from "croner";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/log/logger.ts";
import { jitterOffsetMs } from "../../src/schedule/jitter.ts";
import { compileSchedule } from "../../src/schedule/next-run.ts";
import { type RunVerdict, type ScheduleEntry, Scheduler } from "../../src/schedule/scheduler.ts";

const MINUTE = 60_000;

/** Records when (fake clock) each profile ran; `verdict` decides how each run ends. */
function recordingScheduler(entries: ScheduleEntry[], verdict: (name: string) => RunVerdict = () => "ok") {
  const runs: { name: string; at: string }[] = [];
  const scheduler = new Scheduler(entries, {
    logger: silentLogger,
    run: async (name) => {
      runs.push({ name, at: new Date().toISOString() });
      return verdict(name);
    },
  });
  return { scheduler, runs };
}

describe("Scheduler (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-09T10:00:00.000Z")); // a Monday
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("catches up at start when a tick was missed since the last success (the machine was off)", async () => {
    const { scheduler, runs } = recordingScheduler([
      {
        name: "weekend",
        schedule: "0 3 * * *",
        timezone: "UTC",
        lastSuccessAt: new Date("2026-03-06T03:00:02Z"),
      },
      {
        name: "fresh",
        schedule: "0 3 * * *",
        timezone: "UTC",
        lastSuccessAt: new Date("2026-03-09T03:00:02Z"),
      },
      { name: "never", schedule: "0 3 * * *", timezone: "UTC" },
    ]);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.map((r) => r.name).sort()).toEqual(["never", "weekend"]);
    expect(scheduler.nextRun("fresh")?.toISOString()).toBe("2026-03-10T03:00:00.000Z");
    expect(scheduler.nextRun("weekend")?.toISOString()).toBe("2026-03-10T03:00:00.000Z");
    await vi.advanceTimersByTimeAsync(17 * 60 * MINUTE);
    expect(runs.filter((r) => r.name === "fresh").map((r) => r.at)).toEqual(["2026-03-10T03:00:00.000Z"]);
    await scheduler.stop();
  });

  it("logs thousands of profiles catching up at once as one line, and runs them all", async () => {
    const lines: { msg: string; fields: Record<string, unknown> }[] = [];
    const logger = {
      ...silentLogger,
      info: (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ msg, fields }),
    };
    const names = Array.from({ length: 500 }, (_, i) => `tenant-${i}`);
    const ran = new Set<string>();
    const scheduler = new Scheduler(
      names.map((name) => ({
        name,
        schedule: "0 3 * * *",
        timezone: "UTC",
        jitterMs: MINUTE,
        lastSuccessAt: new Date("2026-03-06T03:00:02Z"),
      })),
      {
        logger,
        run: async (name) => {
          ran.add(name);
          return "ok";
        },
      },
    );
    scheduler.start();
    expect(lines.filter((l) => l.msg.startsWith("catching up"))).toEqual([
      {
        msg: "catching up: scheduled runs were missed since the last success",
        fields: { profileCount: 500, profiles: names.slice(0, 20) },
      },
    ]);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(ran.size).toBe(500);
    await scheduler.stop();
  });

  it("spreads profiles on one schedule over the jitter window, each at a fixed offset", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `tenant-${i}`);
    const { scheduler, runs } = recordingScheduler(
      names.map((name) => ({
        name,
        schedule: "0 3 * * *",
        timezone: "UTC",
        jitterMs: 5 * MINUTE,
        lastSuccessAt: new Date("2026-03-09T03:10:00Z"),
      })),
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(18 * 60 * MINUTE);
    expect(runs).toHaveLength(40);

    const tick = Date.parse("2026-03-10T03:00:00Z");
    for (const { name, at } of runs) {
      expect(Date.parse(at) - tick).toBe(jitterOffsetMs(name, 5 * MINUTE));
    }
    const offsets = runs.map((r) => Date.parse(r.at) - tick);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(5 * MINUTE);
    expect(new Set(offsets).size).toBeGreaterThan(35);
    // Pinned: the offset comes from a hash of the name alone, the same in every process and release
    // (changing it would move every profile of a fleet at once).
    expect(jitterOffsetMs("tenant-7", 5 * MINUTE)).toBe(251395);
    await scheduler.stop();
    // Catching up after the machine was off is spread over the same window, from the start.
    const { scheduler: rebooted, runs: caughtUp } = recordingScheduler(
      names.map((name) => ({ name, schedule: "0 3 * * *", timezone: "UTC", jitterMs: 5 * MINUTE })),
    );
    const bootedAt = Date.now();
    rebooted.start();
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(caughtUp.map((r) => Date.parse(r.at) - bootedAt).sort((a, b) => a - b)).toEqual(
      names.map((name) => jitterOffsetMs(name, 5 * MINUTE)).sort((a, b) => a - b),
    );
    await rebooted.stop();
  });

  it("runs 10,000 jittered profiles from one timer, each once per tick", async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);
    const { scheduler, runs } = recordingScheduler(
      names.map((name) => ({
        name,
        schedule: "*/5 * * * *",
        timezone: "UTC",
        jitterMs: 4 * MINUTE,
        lastSuccessAt: new Date("2026-03-09T10:00:00Z"),
      })),
    );
    scheduler.start();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(runs).toHaveLength(10_000);
    expect(new Set(runs.map((r) => r.name)).size).toBe(10_000);
    expect(vi.getTimerCount()).toBe(1);
    await scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("backs off over ticks after terminal failures and resets after a success", async () => {
    let healthy = false;
    const { scheduler, runs } = recordingScheduler(
      [
        {
          name: "bad-secret",
          schedule: "* * * * *",
          timezone: "UTC",
          lastSuccessAt: new Date("2026-03-09T10:00:00Z"),
        },
      ],
      () => (healthy ? "ok" : "terminal"),
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    // Ticks 1, then skip 1, 3, 7: one failed attempt per back-off step.
    expect(runs.map((r) => r.at.slice(11, 16))).toEqual(["10:01", "10:03", "10:07", "10:15"]);
    healthy = true;
    await vi.advanceTimersByTimeAsync(11 * MINUTE); // to 10:31, the next back-off step
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(runs.slice(4).map((r) => r.at.slice(11, 16))).toEqual(["10:31", "10:32", "10:33", "10:34"]);
    await scheduler.stop();
  });

  it("wakes for its heartbeat even when no profile is due", async () => {
    let beats = 0;
    const scheduler = new Scheduler([{ name: "daily", schedule: "0 3 * * *", lastSuccessAt: new Date() }], {
      logger: silentLogger,
      run: async () => "ok",
      heartbeatMs: 1000,
      onHeartbeat: () => {
        beats++;
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(beats).toBe(11);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(beats).toBe(11);
  });
});

describe("compileSchedule", () => {
  it("gives the same answers as a fresh evaluation, whatever it remembered", () => {
    const shared = compileSchedule("*/5 * * * *", "Europe/Amsterdam");
    const start = Date.parse("2026-03-29T00:00:00Z"); // a DST change in Amsterdam
    for (let t = start; t < start + 3 * 3_600_000; t += 37_000) {
      const at = new Date(t);
      expect(shared.after(at)).toEqual(compileSchedule("*/5 * * * *", "Europe/Amsterdam").after(at));
      expect(shared.atOrBefore(at)).toEqual(
        compileSchedule("*/5 * * * *", "Europe/Amsterdam").atOrBefore(at),
      );
    }
    const tick = new Date("2026-03-29T02:05:00Z");
    expect(shared.atOrBefore(tick)).toEqual(tick);
    expect(shared.after(tick)).toEqual(new Date("2026-03-29T02:10:00Z"));
  });

  it("answers as croner alone does for schedules sharing its table of years, and with a year field", () => {
    // Compiled schedules share one table of allowed years (croner built one of 80 KB per schedule).
    const patterns = ["0 3 * * *", "*/7 * * * *", "0 0 29 2 *", "0 12 * * 1-5", "0 0 0 1 1 * 2031"];
    for (const pattern of patterns) {
      const compiled = compileSchedule(pattern, "America/New_York");
      const alone = new Cron(pattern, { domAndDow: true, timezone: "America/New_York" });
      for (
        let t = Date.parse("2026-01-01T00:00:00Z");
        t < Date.parse("2034-01-01T00:00:00Z");
        t += 97 * 86_400_000
      ) {
        const at = new Date(t);
        expect(compiled.after(at)).toEqual(alone.nextRun(at) ?? undefined);
        expect(compiled.atOrBefore(at)).toEqual(alone.previousRuns(1, new Date(t + 1))[0]);
      }
    }
  });
});
