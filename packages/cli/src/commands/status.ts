import { type ProfileReport, profileReports } from "@partnerd/core/status";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
}

/**
 * Each profile's last refresh, next run and days until its refresh token dies from inactivity, read
 * from the state folder. Exit code 1 when any profile needs consent or is failing (for monitoring).
 */
export async function statusCommand(options: StatusOptions): Promise<void> {
  const logger = loggerFor(options, { stream: "stderr", defaultLevel: "warn" });
  // Read from the state folder only: a monitoring check need not hold the app's secret.
  const config = await loadConfigFor(options, logger, { secrets: "skip" });
  const reports = await profileReports(config, new Date(), logger);
  process.stdout.write(options.json ? `${JSON.stringify(reports, null, 2)}\n` : table(reports));
  if (reports.some((r) => r.health === "needs-consent" || r.health === "failing")) process.exitCode = 1;
}

function table(reports: ProfileReport[]): string {
  const rows = reports.map((r) => [
    r.profile,
    r.health +
      (r.tokenHeldInMemory ? " (new token in memory only!)" : r.journalPending ? " (write pending)" : ""),
    r.lastSuccessAt ?? "-",
    r.nextRunAt ?? "-",
    r.refreshTokenRejected
      ? "rejected"
      : r.daysUntilInactivityExpiry === undefined
        ? "-"
        : `${r.daysUntilInactivityExpiry} days`,
    [r.lastError, ...r.failedHooks.map((f) => `hook "${f.hook}" failed on ${f.event}: ${f.error}`)]
      .filter(Boolean)
      .join("; "),
  ]);
  const header = ["PROFILE", "HEALTH", "LAST REFRESH", "NEXT RUN", "EXPIRES IF UNUSED IN", "LAST ERROR"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[header, ...rows].map(line).join("\n")}\n`;
}
