import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import { readSmallFileSync } from "../fs/read-small-file.ts";
import { type EventMemo, eventMemoPath, type HookFailure } from "../hooks/lifecycle-events.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { jitterOffsetMs, jitterWindowMs } from "../schedule/jitter.ts";
import { type CompiledSchedule, scheduleCompiler } from "../schedule/next-run.ts";
import type { ProfileStatus, StatusBook } from "./status.ts";

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

/** Profiles read between two yields, so that a daemon answering `status` keeps serving meanwhile. */
const READS_PER_TURN = 500;

export async function profileReports(
  config: PartnerdConfig,
  now = new Date(),
  logger: Logger = silentLogger,
): Promise<ProfileReport[]> {
  // Only for a file that does not read as a status (rare): the book sets it aside and warns.
  let book: Promise<StatusBook> | undefined;
  const readThroughBook = async (profile: string) => {
    book ??= import("./status.ts").then(({ StatusBook }) => new StatusBook(config.stateDir, logger));
    return (await book).read(profile);
  };
  const statusDir = join(config.stateDir, "status");
  const [pending, memos, statuses] = await Promise.all([
    jsonNames(join(config.stateDir, "journal")),
    jsonNames(join(config.stateDir, "events")),
    jsonNames(statusDir),
  ]);
  const compile = scheduleCompiler();
  const reports: ProfileReport[] = [];
  for (const profile of Object.values(config.profiles)) {
    if (reports.length % READS_PER_TURN === READS_PER_TURN - 1) await yieldToEventLoop();
    // Thousands of small files: read synchronously (a promise per read costs several times the read).
    // Anything unusual (damaged, unreadable) goes through the status book, which sets it aside and warns.
    const status = statuses.has(profile.name)
      ? (readStatusSync(statusDir, profile.name) ?? (await readThroughBook(profile.name)))
      : {};
    const memo = memos.has(profile.name) ? readEventMemoSync(config.stateDir, profile.name) : {};
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
      failedHooks: Object.values(memo.failedHooks ?? {}),
    });
  }
  return reports;
}

/** A status file that reads as a status object; `undefined` for anything the status book should handle. */
function readStatusSync(statusDir: string, profile: string): ProfileStatus | undefined {
  try {
    const parsed = JSON.parse(
      // Profile names are file names (the config allows no separators): no path.join per profile.
      readSmallFileSync(`${statusDir}/${profile}.json`) ?? "{}",
    ) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** As `readEventMemo`: empty when there is none. */
function readEventMemoSync(stateDir: string, profile: string): EventMemo {
  return JSON.parse(readSmallFileSync(eventMemoPath(stateDir, profile)) ?? "{}") as EventMemo;
}

/** The scheduler's next run: the next cron tick after `now` minus the profile's jitter offset, plus it. */
function nextRunOf(profile: ProfileConfig, schedule: CompiledSchedule, now: Date): Date | undefined {
  const offsetMs = jitterOffsetMs(profile.name, jitterWindowMs(profile));
  const tick = schedule.after(new Date(now.getTime() - offsetMs));
  return tick && new Date(tick.getTime() + offsetMs);
}
