import { createTask } from "node-cron";

/** When `schedule` fires next (in `timezone`), without starting anything. */
export function nextRunOf(schedule: string, timezone?: string, from = new Date()): Date | null {
  const task = createTask(schedule, () => undefined, timezone ? { timezone } : {});
  try {
    return task.getNextRuns(1).find((date) => date > from) ?? null;
  } finally {
    void task.destroy();
  }
}
