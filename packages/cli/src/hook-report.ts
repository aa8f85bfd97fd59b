import type { HookReport } from "@partnerd/core";

/** Names each failed hook on stderr; true when there was one. */
export function reportHookFailures(reports: readonly HookReport[]): boolean {
  const failed = reports.filter((report) => !report.ok);
  for (const report of failed) {
    process.stderr.write(
      `partnerd: hook "${report.hook}" failed on "${report.event}" for profile ${report.profile}: ${report.error}\n`,
    );
  }
  return failed.length > 0;
}
