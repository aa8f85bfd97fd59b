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
  logger.debug(
    snapshot ? "state folder read while the config loaded" : "state folder read after the config loaded",
  );
  const reports = await profileReports(config, new Date(), logger, snapshot);
  process.stdout.write(options.json ? `${JSON.stringify(reports, null, 2)}\n` : table(reports));
  if (reports.some((r) => r.health === "needs-consent" || r.health === "failing")) process.exitCode = 1;
}

const HEADER = ["PROFILE", "HEALTH", "LAST REFRESH", "NEXT RUN", "EXPIRES IF UNUSED IN", "LAST ERROR"];

function cells(r: ProfileReport): string[] {
  return [
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
    r.failedHooks.length === 0
      ? (r.lastError ?? "")
      : [r.lastError, ...r.failedHooks.map((f) => `hook "${f.hook}" failed on ${f.event}: ${f.error}`)]
          .filter(Boolean)
          .join("; "),
  ];
}

/** Columns as wide as their widest cell, two spaces apart; the last one unpadded. Loops, not spreads: 10,000 rows. */
function table(reports: ProfileReport[]): string {
  const rows = [HEADER, ...reports.map(cells)];
  const last = HEADER.length - 1;
  const widths = HEADER.map((h) => h.length);
  for (const row of rows) for (let i = 0; i < last; i++) widths[i] = Math.max(widths[i]!, row[i]!.length);
  let text = "";
  for (const row of rows) {
    let line = "";
    for (let i = 0; i < last; i++) line += `${row[i]!.padEnd(widths[i]!)}  `;
    text += `${(line + row[last]!).trimEnd()}\n`;
  }
  return text;
}
