import { access } from "node:fs/promises";
import { join } from "node:path";
import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import { type HookFailure, readEventMemo } from "../hooks/lifecycle-events.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { jitterOffsetMs, jitterWindowMs } from "../schedule/jitter.ts";
import { nextRunAfter } from "../schedule/next-run.ts";
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
  /** The identity provider refused the stored refresh token; it has no days left, whatever its age. */
  refreshTokenRejected: boolean;
  /** When the stored refresh token dies if never redeemed again (the profile's `inactivityDays` after issue). */
  expiresByInactivityAt: string | undefined;
  daysUntilInactivityExpiry: number | undefined;
  /** A redeemed token waits in the journal for a store (it is written on the next run). */
  journalPending: boolean;
  /** Fingerprint of a redeemed token the daemon holds in memory only (journal and stores failing). */
  tokenHeldInMemory: string | undefined;
  lastError: string | undefined;
  /** Hooks whose latest run failed, with that failure. */
  failedHooks: HookFailure[];
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
    const expires = issued === undefined ? undefined : issued + profile.inactivityDays * 86_400_000;
    // A success rewrites the status without `lastError`, so an error present is the latest outcome.
    const health: ProfileHealth = status.needsConsent
      ? "needs-consent"
      : status.lastError || status.tokenHeldInMemory
        ? "failing"
        : status.lastSuccessAt
          ? "ok"
          : "never-refreshed";
    const rejected = status.needsConsent === true && status.rejectedFingerprint !== undefined;
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
      nextRunAt: profile.schedule ? nextRunOf(profile, profile.schedule, now)?.toISOString() : undefined,
      fingerprint: status.fingerprint,
      refreshTokenRejected: rejected,
      expiresByInactivityAt: expires === undefined ? undefined : new Date(expires).toISOString(),
      daysUntilInactivityExpiry:
        expires === undefined || rejected ? undefined : Math.floor((expires - now.getTime()) / 86_400_000),
      journalPending,
      tokenHeldInMemory: status.tokenHeldInMemory,
      lastError: health === "ok" ? undefined : status.lastError?.message,
      failedHooks: Object.values((await readEventMemo(config.stateDir, profile.name)).failedHooks ?? {}),
    });
  }
  return reports;
}

/** The scheduler's next run: the next cron tick after `now` minus the profile's jitter offset, plus it. */
function nextRunOf(profile: ProfileConfig, schedule: string, now: Date): Date | undefined {
  const offsetMs = jitterOffsetMs(profile.name, jitterWindowMs(profile));
  const tick = nextRunAfter(schedule, new Date(now.getTime() - offsetMs), profile.timezone);
  return tick && new Date(tick.getTime() + offsetMs);
}
