import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import type { EngineEvents, FailedEvent, RefreshedEvent } from "../engine/events.ts";
import type { ProfileStatus } from "../engine/status.ts";
import { ensurePrivateDir, writeFileAtomic } from "../fs/atomic-write.ts";
import type { Logger } from "../log/logger.ts";
import { scheduleCompiler } from "../schedule/next-run.ts";
import { readStatus, readStatuses } from "../status-snapshot.ts";
import { errorMessage } from "../stores/error-text.ts";
import { KeyedQueue } from "../util/keyed-queue.ts";
import { mapConcurrent } from "../util/map-concurrent.ts";
import type { FailedPayload, FailureClass } from "./payloads.ts";
import type { HookReport, HookRunner } from "./runner.ts";

const DAY_MS = 86_400_000;
const EXPIRY_CHECK_INTERVAL_MS = 60 * 60 * 1000;

/** The latest failure of a hook that has not succeeded since; shown by `partnerd status`. */
export interface HookFailure {
  hook: string;
  event: string;
  error: string;
  at: string;
}

/** What the derived events remember per profile between runs and processes (never a token). */
export interface EventMemo {
  /** The first failure of the current run of failures; cleared by the next success. */
  failingSince?: string;
  /** `needs-consent` was raised for the current run of failures. */
  needsConsentRaised?: boolean;
  /** The UTC day (YYYY-MM-DD) `expiring` was last raised on. */
  expiringRaisedOn?: string;
  /** By hook name. */
  failedHooks?: Record<string, HookFailure>;
}

/** Where `LifecycleEvents` keeps a profile's memo. */
export function eventMemoPath(stateDir: string, profile: string): string {
  return join(stateDir, "events", `${profile}.json`);
}

/** A profile's memo; empty when there is none. */
export async function readEventMemo(stateDir: string, profile: string): Promise<EventMemo> {
  const path = eventMemoPath(stateDir, profile);
  try {
    // Read on every refresh and usually absent: a synchronous look that throws nothing when it is.
    if (!statSync(path, { throwIfNoEntry: false })) return {};
    return JSON.parse(readFileSync(path, "utf8")) as EventMemo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/**
 * Turns the engine's `refreshed` and `failed` into hook events, and derives the others from them and
 * the profile status: `needs-consent` once on entering that state, `recovered` on the first success
 * after failures, `expiring` at most once per day while the stored token goes unredeemed too long.
 * What it remembers lives in `<stateDir>/events/`, so `partnerd refresh` runs do not repeat them.
 */
export class LifecycleEvents {
  readonly #config: PartnerdConfig;
  readonly #runner: HookRunner;
  readonly #logger: Logger;
  readonly #perProfile = new KeyedQueue();
  /** Profiles share a few schedules: each is compiled once, and its next run remembered per tick. */
  readonly #compile = scheduleCompiler();
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    config: PartnerdConfig;
    events: EngineEvents;
    runner: HookRunner;
    logger: Logger;
    now?: () => Date;
  }) {
    this.#config = options.config;
    this.#runner = options.runner;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    options.events.on("refreshed", (event) => this.#serialized(event.profile, () => this.#refreshed(event)));
    options.events.on("failed", (event) => this.#serialized(event.profile, () => this.#failed(event)));
  }

  /**
   * Raises `expiring` for every profile that qualifies now, then again every hour (for the daemon);
   * `statuses` when the caller has just read every profile's.
   */
  startExpiryChecks(statuses?: ReadonlyMap<string, ProfileStatus>): void {
    void this.checkExpiring(undefined, statuses);
    this.#timer ??= setInterval(() => void this.checkExpiring(), EXPIRY_CHECK_INTERVAL_MS).unref();
  }

  /** Ends the hourly checks and waits for the events being derived to reach the runner. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#perProfile.idle();
  }

  /** Remembers a hook's failure until it next succeeds, for `partnerd status`. */
  recordHook(report: HookReport): Promise<void> {
    return this.#serialized(report.profile, async () => {
      const memo = await this.#read(report.profile);
      const failed = { ...memo.failedHooks };
      if (report.ok && !failed[report.hook]) return;
      if (report.ok) delete failed[report.hook];
      else {
        const at = this.#now().toISOString();
        failed[report.hook] = { hook: report.hook, event: report.event, error: report.error ?? "", at };
      }
      await this.#write(report.profile, { ...memo, failedHooks: failed });
    });
  }

  /**
   * Raises `expiring` for the profiles (default: all) whose stored token qualifies and not yet today.
   * Their statuses are read at once (`statuses` when the caller has them); that snapshot only rules
   * profiles out, and one that qualifies is read again in its turn, after any run in progress.
   */
  async checkExpiring(
    profiles = Object.keys(this.#config.profiles),
    statuses?: ReadonlyMap<string, ProfileStatus>,
  ): Promise<void> {
    const candidates = profiles.flatMap((name) => {
      const profile = this.#config.profiles[name];
      return profile && profile.flow === "refresh-token" ? [profile] : [];
    });
    const snapshot =
      statuses ??
      (await readStatuses(
        this.#config.stateDir,
        candidates.map((p) => p.name),
      ));
    const now = this.#now();
    const qualifying = candidates.filter(
      (p) => this.#expiryReason(p, snapshot.get(p.name)?.refreshTokenIssuedAt, now) !== undefined,
    );
    await mapConcurrent(qualifying, 16, (profile) =>
      this.#serialized(profile.name, () => this.#checkExpiring(profile)),
    );
  }

  #serialized(profile: string, task: () => Promise<void>): Promise<void> {
    return this.#perProfile.run(profile, () =>
      task().catch((error: unknown) =>
        this.#logger.warn("could not derive hook events", { profile, error: errorMessage(error) }),
      ),
    );
  }

  async #refreshed(event: RefreshedEvent): Promise<void> {
    const at = event.at.toISOString();
    const expiresAt = event.expiresByInactivityAt;
    this.#runner.dispatch(
      {
        event: "refreshed",
        profile: event.profile,
        at,
        previousFingerprint: event.previousFingerprint,
        fingerprint: event.fingerprint,
        rotated: event.rotated,
        replayed: event.replayed,
        stores: event.locations.map(({ store, name, version }) => ({ store, name, version })),
        accessTokenExpiresAt: event.accessTokenExpiresAt.toISOString(),
        refreshTokenExpiresAt: expiresAt.toISOString(),
        daysUntilRefreshTokenExpires: Math.floor((expiresAt.getTime() - event.at.getTime()) / DAY_MS),
      },
      event.accessToken,
    );
    const memo = await this.#read(event.profile);
    if (memo.failingSince !== undefined) {
      this.#runner.dispatch({
        event: "recovered",
        profile: event.profile,
        at,
        failingSince: memo.failingSince,
        fingerprint: event.fingerprint,
      });
    }
    const { failedHooks } = memo;
    if (Object.keys(memo).some((key) => key !== "failedHooks")) {
      await this.#write(event.profile, failedHooks ? { failedHooks } : {});
    }
  }

  async #failed(event: FailedEvent): Promise<void> {
    const at = event.at.toISOString();
    const failureClass: FailureClass = event.needsConsent
      ? "needs-consent"
      : event.kind === "terminal"
        ? "config"
        : event.kind;
    const payload: FailedPayload = {
      event: "failed",
      profile: event.profile,
      at,
      class: failureClass,
      code: event.code,
      message: event.message,
      ...(event.aadsts === undefined ? {} : { aadsts: event.aadsts }),
      ...(event.hint ? { hint: event.hint } : {}),
    };
    this.#runner.dispatch(payload);
    const memo = await this.#read(event.profile);
    const next: EventMemo = { ...memo, failingSince: memo.failingSince ?? at };
    if (event.needsConsent && !memo.needsConsentRaised) {
      this.#runner.dispatch({
        event: "needs-consent",
        profile: event.profile,
        at,
        command: `partnerd login ${event.profile}`,
        code: event.code,
        message: event.message,
        ...(event.aadsts === undefined ? {} : { aadsts: event.aadsts }),
      });
      next.needsConsentRaised = true;
    }
    await this.#write(event.profile, next);
    const profile = this.#config.profiles[event.profile];
    if (profile) await this.#checkExpiring(profile);
  }

  async #checkExpiring(profile: ProfileConfig): Promise<void> {
    const issuedAt = (await readStatus(this.#config.stateDir, profile.name)).refreshTokenIssuedAt;
    const now = this.#now();
    const reason = this.#expiryReason(profile, issuedAt, now);
    if (reason === undefined || issuedAt === undefined) return;
    const issued = Date.parse(issuedAt);
    const nextRun = profile.schedule
      ? this.#compile(profile.schedule, profile.timezone).after(now)
      : undefined;
    const today = now.toISOString().slice(0, 10);
    const memo = await this.#read(profile.name);
    if (memo.expiringRaisedOn === today) return;
    const expiresAt = issued + profile.inactivityDays * DAY_MS;
    const daysLeft = Math.floor((expiresAt - now.getTime()) / DAY_MS);
    this.#runner.dispatch({
      event: "expiring",
      profile: profile.name,
      at: now.toISOString(),
      reason,
      lastRedeemedAt: new Date(issued).toISOString(),
      refreshTokenExpiresAt: new Date(expiresAt).toISOString(),
      daysUntilRefreshTokenExpires: daysLeft,
      ...(nextRun ? { nextRunAt: nextRun.toISOString() } : {}),
      hint:
        daysLeft < 0
          ? `the refresh token has expired: run "partnerd login ${profile.name}"`
          : reason === "schedule-gap"
            ? `the schedule runs too rarely: run "partnerd refresh ${profile.name}" and schedule it more often`
            : `run "partnerd refresh ${profile.name}" before ${new Date(expiresAt).toISOString()}, or fix what keeps it from refreshing`,
    });
    await this.#write(profile.name, { ...memo, expiringRaisedOn: today });
  }

  /** Why `expiring` is due for a token issued at `issuedAt` (none without one), or `undefined`. */
  #expiryReason(
    profile: ProfileConfig,
    issuedAt: string | undefined,
    now: Date,
  ): "inactive" | "schedule-gap" | undefined {
    if (issuedAt === undefined) return undefined;
    const threshold = Date.parse(issuedAt) + profile.expiringAfterDays * DAY_MS;
    if (now.getTime() >= threshold) return "inactive";
    const nextRun = profile.schedule
      ? this.#compile(profile.schedule, profile.timezone).after(now)
      : undefined;
    return nextRun && nextRun.getTime() >= threshold ? "schedule-gap" : undefined;
  }

  #read(profile: string): Promise<EventMemo> {
    return readEventMemo(this.#config.stateDir, profile);
  }

  async #write(profile: string, memo: EventMemo): Promise<void> {
    const path = eventMemoPath(this.#config.stateDir, profile);
    await ensurePrivateDir(dirname(path));
    await writeFileAtomic(path, `${JSON.stringify(memo, null, 2)}\n`);
  }
}
