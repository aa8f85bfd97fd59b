import type { Logger } from "../log/logger.ts";
import { MinHeap } from "../util/min-heap.ts";
import { jitterOffsetMs } from "./jitter.ts";
import { type CompiledSchedule, scheduleCompiler } from "./next-run.ts";

export interface ScheduleEntry {
  name: string;
  schedule: string;
  timezone?: string | undefined;
  /** Window for the profile's fixed offset after each tick (see `jitterOffsetMs`). */
  jitterMs?: number | undefined;
  /** The last successful run; a tick missed since then (the machine was off) runs at start. */
  lastSuccessAt?: Date | undefined;
}

/**
 * How a run ended, as far as scheduling cares. `terminal` is a failure that retrying on the next tick
 * will not fix (a bad client secret): the profile then backs off over ticks.
 */
export type RunVerdict = "ok" | "terminal" | "other";

export interface SchedulerOptions {
  run: (name: string) => Promise<RunVerdict>;
  logger: Logger;
  /** The loop wakes at least this often and calls `onHeartbeat` (systemd watchdog, `/healthz`). */
  heartbeatMs?: number;
  onHeartbeat?: () => void;
  /** Called after every run with when the profile runs next. */
  onRunFinished?: (name: string, verdict: RunVerdict) => void;
  /** Longest back-off after repeated terminal failures (default one day). */
  maxBackoffMs?: number;
}

interface Slot {
  entry: ScheduleEntry;
  schedule: CompiledSchedule;
  offsetMs: number;
  /** The cron tick this slot waits for (before the offset). */
  baseTick: number;
  /** When it runs: `baseTick + offsetMs`, or sooner for a catch-up. */
  due: number;
  consecutiveTerminal: number;
}

/** A slot's place in the wake-up queue; stale once the slot's `due` changed after it was queued. */
interface Wake {
  due: number;
  slot: Slot;
}

const DEFAULT_HEARTBEAT_MS = 30_000;
const DAY_MS = 86_400_000;
/** Beyond this many profiles catching up at start, one log line names the first ones and counts all. */
const LISTED_CATCH_UPS = 20;
/** setTimeout fires at once for delays above 2^31-1 ms. */
const MAX_SLEEP_MS = 2 ** 31 - 1;

/**
 * One timer for every profile: the loop sleeps until the earliest due profile (or the next heartbeat),
 * starts every profile that is due, and sleeps again. Due times wait in a min-heap, so a wake-up costs
 * O(log n) per profile it starts, not a scan of all profiles. A profile whose previous run is still going is
 * skipped for that tick, not queued, so a slow identity provider cannot build a backlog.
 */
export class Scheduler {
  readonly #slots = new Map<string, Slot>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #queue = new MinHeap<Wake>((wake) => wake.due);
  readonly #options: SchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopped = false;

  constructor(entries: readonly ScheduleEntry[], options: SchedulerOptions) {
    this.#options = options;
    // Profiles on the same schedule share one compiled schedule and its remembered answers.
    const compile = scheduleCompiler();
    for (const entry of entries) {
      this.#slots.set(entry.name, {
        entry,
        schedule: compile(entry.schedule, entry.timezone),
        offsetMs: jitterOffsetMs(entry.name, entry.jitterMs ?? 0),
        baseTick: 0,
        due: 0,
        consecutiveTerminal: 0,
      });
    }
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    const now = Date.now();
    const catchingUp: { entry: ScheduleEntry; missed: Date }[] = [];
    for (const slot of this.#slots.values()) {
      this.#planAfter(slot, now - slot.offsetMs);
      const missed = slot.schedule.atOrBefore(new Date(now - slot.offsetMs));
      const lastSuccess = slot.entry.lastSuccessAt?.getTime() ?? Number.NEGATIVE_INFINITY;
      if (missed && missed.getTime() > lastSuccess) {
        catchingUp.push({ entry: slot.entry, missed });
        // Spread over the jitter window too: after a reboot every profile may be catching up at once.
        slot.due = now + slot.offsetMs;
      }
      this.#enqueue(slot);
    }
    this.#logCatchingUp(catchingUp);
    this.#loop();
  }

  /** One line per profile catching up; after a night off with thousands of profiles, one line for all. */
  #logCatchingUp(catchingUp: readonly { entry: ScheduleEntry; missed: Date }[]): void {
    const { logger } = this.#options;
    if (catchingUp.length > LISTED_CATCH_UPS) {
      logger.info("catching up: scheduled runs were missed since the last success", {
        profileCount: catchingUp.length,
        profiles: catchingUp.slice(0, LISTED_CATCH_UPS).map(({ entry }) => entry.name),
      });
      return;
    }
    for (const { entry, missed } of catchingUp) {
      logger.info("catching up: a scheduled run was missed since the last success", {
        profile: entry.name,
        missedTick: missed.toISOString(),
        lastSuccessAt: entry.lastSuccessAt?.toISOString() ?? null,
      });
    }
  }

  /** When the profile runs next (with its jitter offset), or `null` when it is not scheduled. */
  nextRun(name: string): Date | null {
    const slot = this.#slots.get(name);
    return slot && Number.isFinite(slot.due) ? new Date(slot.due) : null;
  }

  /** The earliest next run over all profiles. */
  nextRunOfAll(): Date | null {
    const next = this.#peek();
    return next ? new Date(next.due) : null;
  }

  get names(): string[] {
    return [...this.#slots.keys()];
  }

  /** Stops triggering new runs and resolves once the runs it started have finished. */
  /** Fires nothing more from now on; runs in flight go on (a reload hands them over). */
  halt(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#queue.clear();
  }

  /** Fires nothing more, then waits for the runs in flight. */
  async stop(): Promise<void> {
    this.halt();
    await Promise.all(this.#running.values());
  }

  #loop(): void {
    if (this.#stopped) return;
    const now = Date.now();
    this.#options.onHeartbeat?.();
    for (let next = this.#peek(); next && next.due <= now; next = this.#peek()) {
      this.#queue.pop();
      this.#fire(next.slot, now);
    }
    const earliest = this.#peek()?.due ?? Number.POSITIVE_INFINITY;
    const heartbeat = this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    const sleep = Math.min(Math.max(earliest - Date.now(), 0), heartbeat, MAX_SLEEP_MS);
    this.#timer = setTimeout(() => this.#loop(), sleep);
  }

  #fire(slot: Slot, now: number): void {
    const name = slot.entry.name;
    // Plan the next run before this one starts, so a long run cannot make the loop fire it again.
    const catchingUp = slot.due < slot.baseTick + slot.offsetMs;
    if (catchingUp) slot.due = slot.baseTick + slot.offsetMs;
    else this.#planAfter(slot, Math.max(slot.baseTick, now - slot.offsetMs));
    this.#enqueue(slot);
    if (this.#running.has(name)) {
      this.#options.logger.warn("skipped a scheduled run: the previous one is still going", {
        profile: name,
      });
      return;
    }
    const run = this.#runOnce(slot).finally(() => this.#running.delete(name));
    this.#running.set(name, run);
  }

  async #runOnce(slot: Slot): Promise<void> {
    const name = slot.entry.name;
    let verdict: RunVerdict;
    try {
      verdict = await this.#options.run(name);
    } catch (error) {
      verdict = "other";
      this.#options.logger.error("scheduled run failed", { profile: name, error: (error as Error).message });
    }
    if (verdict === "terminal") {
      slot.consecutiveTerminal++;
      this.#backOff(slot);
    } else {
      slot.consecutiveTerminal = 0;
    }
    this.#options.onRunFinished?.(name, verdict);
  }

  /**
   * After the n-th terminal failure in a row, the next 2^n - 1 ticks are skipped (at most
   * `maxBackoffMs` past the planned run), so a dead client secret costs one failed attempt per back-off step, not per tick.
   */
  #backOff(slot: Slot): void {
    const maxBackoffMs = this.#options.maxBackoffMs ?? DAY_MS;
    const skip = 2 ** Math.min(slot.consecutiveTerminal, 30) - 1;
    const limit = slot.due + maxBackoffMs;
    const before = slot.due;
    let skipped = 0;
    while (skipped < skip && Number.isFinite(slot.due)) {
      const after = slot.schedule.after(new Date(slot.baseTick));
      if (!after || after.getTime() + slot.offsetMs > limit) break;
      this.#setBase(slot, after.getTime());
      skipped++;
    }
    if (slot.due !== before) this.#enqueue(slot);
    this.#options.logger.warn("backing off after a failure that retrying will not fix", {
      profile: slot.entry.name,
      consecutiveFailures: slot.consecutiveTerminal,
      skippedTicks: skipped,
      nextRunAt: Number.isFinite(slot.due) ? new Date(slot.due).toISOString() : null,
    });
  }

  #planAfter(slot: Slot, after: number): void {
    const next = slot.schedule.after(new Date(after));
    if (next) this.#setBase(slot, next.getTime());
    else slot.due = Number.POSITIVE_INFINITY;
  }

  #enqueue(slot: Slot): void {
    if (Number.isFinite(slot.due)) this.#queue.push({ due: slot.due, slot });
  }

  /** The earliest wake-up that is still current, dropping stale ones on the way. */
  #peek(): Wake | undefined {
    for (let top = this.#queue.peek(); top; top = this.#queue.peek()) {
      if (top.due === top.slot.due) return top;
      this.#queue.pop();
    }
    return undefined;
  }

  #setBase(slot: Slot, baseTick: number): void {
    slot.baseTick = baseTick;
    slot.due = baseTick + slot.offsetMs;
  }
}
