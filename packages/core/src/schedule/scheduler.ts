import { createTask, type ScheduledTask } from "node-cron";
import type { Logger } from "../log/logger.ts";

export interface ScheduleEntry {
  name: string;
  schedule: string;
  timezone?: string | undefined;
}

/**
 * One cron task per scheduled profile. A tick that arrives while the profile's previous run is still
 * going is skipped, not queued, so a slow identity provider cannot build a backlog.
 */
export class Scheduler {
  readonly #tasks = new Map<string, ScheduledTask>();
  readonly #running = new Set<string>();
  readonly #logger: Logger;

  constructor(entries: readonly ScheduleEntry[], run: (name: string) => Promise<unknown>, logger: Logger) {
    this.#logger = logger;
    for (const entry of entries) {
      const task = createTask(entry.schedule, () => this.#tick(entry.name, run), {
        name: entry.name,
        noOverlap: true,
        suppressMissedWarning: true,
        ...(entry.timezone ? { timezone: entry.timezone } : {}),
      });
      this.#tasks.set(entry.name, task);
    }
  }

  start(): void {
    for (const task of this.#tasks.values()) void task.start();
  }

  nextRun(name: string): Date | null {
    return this.#tasks.get(name)?.getNextRun() ?? null;
  }

  get names(): string[] {
    return [...this.#tasks.keys()];
  }

  /** Stops triggering new runs; runs already going are the caller's to wait for. */
  async stop(): Promise<void> {
    for (const task of this.#tasks.values()) await task.destroy();
    this.#tasks.clear();
  }

  async #tick(name: string, run: (name: string) => Promise<unknown>): Promise<void> {
    if (this.#running.has(name)) {
      this.#logger.warn("skipped a scheduled run: the previous one is still going", { profile: name });
      return;
    }
    this.#running.add(name);
    try {
      await run(name);
    } catch (error) {
      this.#logger.error("scheduled run failed", { profile: name, error: (error as Error).message });
    } finally {
      this.#running.delete(name);
    }
  }
}
