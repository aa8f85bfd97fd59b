import { createTask } from "node-cron";

/** The next `count` times `schedule` fires (in `timezone`), without starting anything. */
export function nextRuns(schedule: string, count: number, timezone?: string): Date[] {
  const task = createTask(schedule, () => undefined, timezone ? { timezone } : {});
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}
