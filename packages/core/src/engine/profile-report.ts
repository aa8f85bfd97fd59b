import { access } from "node:fs/promises";
import { join } from "node:path";
import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { nextRuns } from "../schedule/next-run.ts";
import { REFRESH_TOKEN_INACTIVITY_MS } from "./refresh-engine.ts";
import { StatusBook } from "./status.ts";

export type ProfileHealth = "ok" | "needs-consent" | "failing" | "never-refreshed";

/** What `partnerd status` shows for one profile; read from the state folder, no network. */
export interface ProfileReport {
  profile: string;
  flow: ProfileConfig["flow"];
  health: ProfileHealth;
  lastSuccessAt: string | undefined;
  lastAttemptAt: string | undefined;
  nextRunAt: string | undefined;
  fingerprint: string | undefined;
  /** When the stored refresh token dies if never redeemed again (Entra: 90 days after issue). */
  expiresByInactivityAt: string | undefined;
  daysUntilInactivityExpiry: number | undefined;
  /** A redeemed token waits in the journal for a store (it is written on the next run). */
  journalPending: boolean;
  /** Fingerprint of a redeemed token the daemon holds in memory only (journal and stores failing). */
  tokenHeldInMemory: string | undefined;
  lastError: string | undefined;
}

export async function profileReports(
  config: PartnerdConfig,
  now = new Date(),
  logger: Logger = silentLogger,
): Promise<ProfileReport[]> {
  const book = new StatusBook(config.stateDir, logger);
  const reports: ProfileReport[] = [];
  for (const profile of Object.values(config.profiles)) {
    const status = await book.read(profile.name);
    const issued = status.refreshTokenIssuedAt ? Date.parse(status.refreshTokenIssuedAt) : undefined;
    const expires = issued === undefined ? undefined : issued + REFRESH_TOKEN_INACTIVITY_MS;
    // A success rewrites the status without `lastError`, so an error present is the latest outcome.
    const health: ProfileHealth = status.needsConsent
      ? "needs-consent"
      : status.lastError || status.tokenHeldInMemory
        ? "failing"
        : status.lastSuccessAt
          ? "ok"
          : "never-refreshed";
    const journalPending = await access(join(config.stateDir, "journal", `${profile.name}.json`)).then(
      () => true,
      () => false,
    );
    reports.push({
      profile: profile.name,
      flow: profile.flow,
      health,
      lastSuccessAt: status.lastSuccessAt,
      lastAttemptAt: status.lastAttemptAt,
      nextRunAt: profile.schedule
        ? nextRuns(profile.schedule, 1, profile.timezone)[0]?.toISOString()
        : undefined,
      fingerprint: status.fingerprint,
      expiresByInactivityAt: expires === undefined ? undefined : new Date(expires).toISOString(),
      daysUntilInactivityExpiry:
        expires === undefined ? undefined : Math.floor((expires - now.getTime()) / 86_400_000),
      journalPending,
      tokenHeldInMemory: status.tokenHeldInMemory,
      lastError: health === "ok" ? undefined : status.lastError?.message,
    });
  }
  return reports;
}
