import { resolve } from "node:path";
import {
  findConfigFile,
  type ProfileReport,
  prefetchStateFolder,
  profileReports,
} from "@partnerd/core/status";
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
  // The config file is found once, here, so that the state folder can be read on another thread while
  // the config loads. Its files are a snapshot either way, taken while the command runs; a status
  // written after the read is the next run's to show, as it would be had the command started earlier.
  const cwd = process.cwd();
  const configFile = options.config ? resolve(cwd, options.config) : (await findConfigFile({ cwd })).file;
  const prefetch = prefetchStateFolder(configFile);
  let config: Awaited<ReturnType<typeof loadConfigFor>>;
  try {
    // Read from the state folder only: a monitoring check need not hold the app's secret.
    config = await loadConfigFor({ ...options, config: configFile }, logger, { secrets: "skip" });
  } catch (error) {
    prefetch.cancel();
    throw error;
  }
  const snapshot = await prefetch.take(config.stateDir);
  const reports = await profileReports(config, new Date(), logger, snapshot);
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
