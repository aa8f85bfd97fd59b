import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import { type EventMemo, type HookFailure, readEventMemo } from "../hooks/lifecycle-events.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { jitterOffsetMs, jitterWindowMs } from "../schedule/jitter.ts";
import { type CompiledSchedule, scheduleCompiler } from "../schedule/next-run.ts";
import { statusFilePath } from "../state-paths.ts";
import type { StateFolderSnapshot } from "../state-prefetch.ts";
import { readStatuses } from "../status-snapshot.ts";
import { anyUnwrittenStatus, StatusBook, unwrittenStatus } from "./status.ts";

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

/** Names of the `.json` files in `dir`; none when it does not exist. One listing instead of a probe per profile. */
async function jsonNames(dir: string): Promise<Set<string>> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    // ENOTDIR: something that is not a folder sits there, so it holds no entries.
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
    throw error;
  });
  return new Set(names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length)));
}

/**
 * `snapshot`: the state folder read ahead (`prefetchStateFolder`), used when it is this config's;
 * otherwise the folder is read here.
 */
export async function profileReports(
  config: PartnerdConfig,
  now = new Date(),
  logger: Logger = silentLogger,
  snapshot?: StateFolderSnapshot,
): Promise<ProfileReport[]> {
  const profiles = Object.values(config.profiles);
  const prefetched = snapshot?.stateDir === config.stateDir ? snapshot : undefined;
  const [pending, memos, present] = prefetched
    ? [prefetched.journal, prefetched.events, prefetched.statuses]
    : await Promise.all([
        jsonNames(join(config.stateDir, "journal")),
        jsonNames(join(config.stateDir, "events")),
        jsonNames(join(config.stateDir, "status")),
      ]);
  // Read ahead, the statuses are complete unless this process recorded one it has not written yet.
  const statuses =
    prefetched && !anyUnwrittenStatus()
      ? prefetched.statuses
      : // All at once and synchronously (a promise per small file costs several times its read), and
        // only the files the listing found or this process has yet to write: probing a missing one
        // costs a thrown ENOENT, 10,000 of them a noticeable part of a second.
        await readStatuses(
          config.stateDir,
          profiles
            .map((p) => p.name)
            .filter((name) => present.has(name) || unwrittenStatus(statusFilePath(config.stateDir, name))),
        );
  const book = new StatusBook(config.stateDir, logger);
  const compile = scheduleCompiler();
  const reports: ProfileReport[] = [];
  for (const profile of profiles) {
    let status = statuses.get(profile.name) ?? {};
    // A file that reads as no status may be damaged: the status book sets it aside and warns.
    if (present.has(profile.name) && Object.keys(status).length === 0) status = await book.read(profile.name);
    const memo: EventMemo = memos.has(profile.name) ? await readEventMemo(config.stateDir, profile.name) : {};
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
    reports.push({
      profile: profile.name,
      flow: profile.flow,
      health,
      lastSuccessAt: status.lastSuccessAt,
      lastAttemptAt: status.lastAttemptAt,
      nextRunAt: profile.schedule
        ? nextRunOf(profile, compile(profile.schedule, profile.timezone), now)?.toISOString()
        : undefined,
      fingerprint: status.fingerprint,
      refreshTokenRejected: rejected,
      expiresByInactivityAt: expires === undefined ? undefined : new Date(expires).toISOString(),
      daysUntilInactivityExpiry:
        expires === undefined || rejected ? undefined : Math.floor((expires - now.getTime()) / 86_400_000),
      journalPending: pending.has(profile.name),
      tokenHeldInMemory: status.tokenHeldInMemory,
      lastError: health === "ok" ? undefined : status.lastError?.message,
      failedHooks: memo.failedHooks ? Object.values(memo.failedHooks) : [],
    });
  }
  return reports;
}

/** The scheduler's next run: the next cron tick after `now` minus the profile's jitter offset, plus it. */
function nextRunOf(profile: ProfileConfig, schedule: CompiledSchedule, now: Date): Date | undefined {
  const offsetMs = jitterOffsetMs(profile.name, jitterWindowMs(profile));
  const tick = schedule.after(new Date(now.getTime() - offsetMs));
  return tick && new Date(tick.getTime() + offsetMs);
}
