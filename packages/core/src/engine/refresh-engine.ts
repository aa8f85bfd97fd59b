import { join } from "node:path";
import type { PartnerdConfig, ProfileConfig, TokenLocation } from "../config/types.ts";
import { PartnerdError, RefreshError, StoreError } from "../errors.ts";
import { removeStaleTempFiles } from "../fs/atomic-write.ts";
import { consentHint, firstConsentHint } from "../identity/classify-error.ts";
import type { AppCredential } from "../identity/credential.ts";
import type { IdentityClient } from "../identity/identity-client.ts";
import type { TokenResult } from "../identity/token-result.ts";
import type { HeldLock, Locks } from "../lock/contract.ts";
import { LockBusyError } from "../lock/errors.ts";
import type { Logger } from "../log/logger.ts";
import { redactKnownSecrets } from "../redaction.ts";
import { Secret } from "../secret.ts";
import type { StoreRegistry } from "../stores/registry.ts";
import { KeyedQueue } from "../util/keyed-queue.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import type { EngineEvents, FailedEvent, RefreshedEvent, StoredLocation } from "./events.ts";
import { Journal, type JournalEntry } from "./journal.ts";
import { keepUntilDurable } from "./keep-until-durable.ts";
import { persistToLocation } from "./persist.ts";
import { isTimeout, rotatedDuringTimeout } from "./redeem-timeout.ts";
import { planReplay } from "./replay.ts";
import { resolveCredential } from "./resolve-credential.ts";
import { StatusBook } from "./status.ts";

/** Entra refresh tokens die after 90 days without use (a profile's default `inactivityDays`). */
export const REFRESH_TOKEN_INACTIVITY_MS = 90 * 24 * 60 * 60 * 1000;

export type RefreshOutcome =
  /** `token` is the redemption's result; absent when a journaled token was persisted instead. */
  | { status: "refreshed"; event: RefreshedEvent; token: TokenResult | undefined }
  /** A client-credentials profile: the app's credential still works. */
  | { status: "checked"; token: TokenResult }
  | { status: "skipped"; reason: "needs-consent" }
  /** Another process held the profile's lock for longer than the wait; it may be refreshing it now. */
  | { status: "skipped"; reason: "locked"; message: string }
  /** `exitCode` is 2 when the failure is the config's (a bad certificate, a missing secret), else 1. */
  | { status: "failed"; failure: FailedEvent; exitCode: number };

export interface RefreshEngineOptions {
  config: PartnerdConfig;
  stores: StoreRegistry;
  identity: IdentityClient;
  events: EngineEvents;
  logger: Logger;
  /** Aborted at shutdown: retry waits end early; a redemption already sent still completes and persists. */
  stopping?: AbortSignal;
  /** One redeemer per profile across processes; held around every refresh, adoption and replay. */
  locks: Locks;
  /** How long a refresh waits for another process to let go of the profile; default 60 s. */
  lockWaitMs?: number;
}

/**
 * What a caller wants besides the profile's own token: an access token for another tenant (a customer
 * under GDAP) or other scopes. The refresh token is bound to the user and the app, not to a tenant or
 * resource, so what such a redemption returns is the profile's chain and is persisted like any rotation.
 */
export interface TokenRequest {
  tenant?: string;
  scopes?: string[];
}

export const DEFAULT_LOCK_WAIT_MS = 60_000;

/**
 * The refresh pipeline. Per profile, one run at a time: replay the journal, read the newest token,
 * redeem it, journal the rotated token, write it to every location and read it back, clear the journal.
 * (A sole location whose store writes durably itself is written directly, with the journal as fallback.)
 */
export class RefreshEngine {
  readonly #options: RefreshEngineOptions;
  readonly #journal: Journal;
  readonly #status: StatusBook;
  readonly #perProfile = new KeyedQueue();

  constructor(options: RefreshEngineOptions) {
    this.#options = options;
    this.#journal = new Journal(options.config.stateDir);
    this.#status = new StatusBook(options.config.stateDir, options.logger);
  }

  profile(profileName: string): ProfileConfig {
    const profile = this.#options.config.profiles[profileName];
    if (profile) return profile;
    const known = Object.keys(this.#options.config.profiles).join(", ") || "none";
    throw new PartnerdError(
      "PROFILE_UNKNOWN",
      `no profile "${profileName}" in the config (profiles: ${known})`,
      {
        exitCode: 2,
      },
    );
  }

  /**
   * Refreshes one profile; a call while one is running waits for it and then runs its own. With a
   * `request` for another tenant or scopes, a failure is reported to the caller and leaves the profile's
   * status alone: the partner's own chain may be perfectly healthy.
   */
  refresh(profileName: string, request: TokenRequest = {}): Promise<RefreshOutcome> {
    const profile = this.profile(profileName);
    return this.#serialized(profile.name, (lock) => this.#run(profile, request, lock));
  }

  /**
   * Stores a refresh token a person just consented to (`partnerd login`) through the same durable path
   * as a rotation, and clears the profile's needs-consent mark.
   */
  adopt(profileName: string, token: TokenResult): Promise<RefreshOutcome> {
    const profile = this.profile(profileName);
    return this.#serialized(profile.name, async (lock) => {
      const logger = this.#options.logger.child({ profile: profile.name });
      try {
        if (!token.refreshToken) {
          throw new RefreshError(
            profile.name,
            "terminal",
            "the sign-in returned no refresh token (was offline_access granted?)",
          );
        }
        const previous = await this.#readNewest(profile, logger).catch(() => undefined);
        await lock.verify();
        return await this.#journalAndPersist(profile, token, previous?.fingerprint ?? "", logger);
      } catch (error) {
        return this.#fail(profile, error, logger);
      }
    });
  }

  /** The profile's app credential (secret or certificate), read from its references now. */
  credential(profileName: string): Promise<AppCredential | undefined> {
    return resolveCredential(this.profile(profileName), this.#options.stores, this.#options.config);
  }

  #serialized(
    profileName: string,
    task: (lock: HeldLock) => Promise<RefreshOutcome>,
  ): Promise<RefreshOutcome> {
    return this.#perProfile.run(profileName, async () => {
      let lock: HeldLock;
      try {
        lock = await this.#options.locks.acquire(profileName, {
          waitMs: this.#options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
          ...(this.#options.stopping ? { signal: this.#options.stopping } : {}),
        });
      } catch (error) {
        const profile = this.profile(profileName);
        if (!(error instanceof LockBusyError)) {
          return this.#fail(profile, error, this.#options.logger.child({ profile: profileName }));
        }
        this.#options.logger.warn("skipped: another process holds the profile", {
          profile: profileName,
          error: error.message,
        });
        return { status: "skipped", reason: "locked", message: error.message };
      }
      try {
        if (lock.previousHolderDied) await this.#finishInterruptedWrites(this.profile(profileName));
        return await task(lock);
      } finally {
        await lock.release();
      }
    });
  }

  /**
   * The lock's previous holder died holding it, maybe in the middle of writing a rotated token to a
   * `durableWrites` store (whose write is the token's only durable copy): those stores finish or drop
   * that write now, before anything reads the token. A store that cannot is logged; the read that
   * follows reports it if it matters.
   */
  async #finishInterruptedWrites(profile: ProfileConfig): Promise<void> {
    for (const location of profile.refreshToken) {
      const store = this.#options.stores.get(location.store);
      try {
        await store.recover?.(location.name);
      } catch (error) {
        this.#options.logger.warn("could not finish a store write the lock's previous holder left", {
          profile: profile.name,
          store: location.store,
          error: messageOf(error),
        });
      }
    }
  }

  /** Resolves once `profileName` has no refresh queued or running. */
  profileIdle(profileName: string): Promise<void> {
    return this.#perProfile.idleOf(profileName);
  }

  /** Resolves once every running refresh has finished. */
  idle(): Promise<void> {
    return this.#perProfile.idle();
  }

  /** Start-up recovery: persists every journaled token left by a crash or a store outage. */
  async replayJournals(): Promise<void> {
    // Each run recovers and replays under the profile's lock: another process may be writing now.
    const pending = await this.#journal.profilesWithEntries();
    for (const profile of Object.values(this.#options.config.profiles)) {
      if (pending.has(profile.name)) await this.refresh(profile.name);
    }
    // Only after recovery: a complete temp file may hold the only copy of a token.
    await removeStaleTempFiles(join(this.#options.config.stateDir, "journal"));
  }

  async #run(profile: ProfileConfig, request: TokenRequest, lock: HeldLock): Promise<RefreshOutcome> {
    const logger = this.#options.logger.child({ profile: profile.name });
    const startedAt = new Date();
    const own = request.tenant === undefined && request.scopes === undefined;
    try {
      this.#status.noteAttempt(profile.name, startedAt); // written with the outcome: one status write per run
      await this.#recoverJournal(profile.name, logger);
      const pending = await this.#journal.read(profile.name);
      if (pending) {
        const replayed = await this.#replay(profile, pending, logger);
        if (replayed) return replayed;
      }
      const target = {
        ...profile,
        tenant: request.tenant ?? profile.tenant,
        scopes: request.scopes ?? profile.scopes,
      };
      if (profile.flow === "client-credentials") return await this.#checkAppCredential(target, logger);
      return await this.#redeemAndPersist(profile, target, lock, logger);
    } catch (error) {
      if (!own) return this.#failRequest(profile, error, logger);
      return this.#fail(profile, error, logger);
    }
  }

  async #recoverJournal(profileName: string, logger: Logger): Promise<void> {
    if (await this.#journal.recover(profileName)) {
      logger.warn("recovered a journal entry whose write a crash interrupted");
    }
  }

  /** Persists a journaled token; `undefined` when the entry was stale and dropped (go on as usual). */
  async #replay(
    profile: ProfileConfig,
    journaled: JournalEntry,
    logger: Logger,
  ): Promise<RefreshOutcome | undefined> {
    const plan = await planReplay(profile, journaled, this.#options.stores);
    if (plan.action === "discard") {
      logger.warn(
        "discarding a journal entry: the store holds a newer refresh token the entry did not come from (a new consent?)",
        {
          fingerprint: journaled.refreshToken.fingerprint,
          store: plan.location.store,
          storedFingerprint: plan.storedFingerprint,
        },
      );
      await this.#journal.clear(profile.name);
      return undefined;
    }
    const entry = plan.entry;
    logger.warn("persisting a redeemed refresh token left in the journal", {
      fingerprint: entry.refreshToken.fingerprint,
      redeemedAt: entry.redeemedAt.toISOString(),
    });
    const locations = await this.#persistEverywhere(profile, entry, logger);
    return this.#succeed(
      profile,
      entry,
      locations,
      { rotated: true, replayed: true, token: undefined },
      logger,
    );
  }

  async #checkAppCredential(profile: ProfileConfig, logger: Logger): Promise<RefreshOutcome> {
    const credential = await resolveCredential(profile, this.#options.stores, this.#options.config);
    const token = await this.#withRetry(profile, logger, () =>
      this.#options.identity.appToken(profile, credential!),
    );
    await this.#status.update(profile.name, (s) => ({
      lastAttemptAt: s.lastAttemptAt,
      lastSuccessAt: new Date().toISOString(),
      accessTokenExpiresAt: token.expiresOn.toISOString(),
    }));
    logger.info("app credential works; access token acquired", {
      accessTokenExpiresAt: token.expiresOn.toISOString(),
    });
    return { status: "checked", token };
  }

  /** `target` is the profile with the tenant and scopes this redemption asks for. */
  async #redeemAndPersist(
    profile: ProfileConfig,
    target: ProfileConfig,
    lock: HeldLock,
    logger: Logger,
  ): Promise<RefreshOutcome> {
    const current = await this.#readNewest(profile, logger);
    const status = await this.#status.read(profile.name);
    if (status.needsConsent && status.rejectedFingerprint === current.fingerprint) {
      logger.warn("skipped: the stored refresh token was rejected and needs a new consent", {
        fingerprint: current.fingerprint,
        hint: consentHint(profile.name),
      });
      return { status: "skipped", reason: "needs-consent" };
    }
    const credential = await resolveCredential(profile, this.#options.stores, this.#options.config);
    await lock.verify();
    const token = await this.#redeemWithRetry(target, current, credential, logger);
    if (!token.refreshToken || token.refreshToken.equals(current)) {
      logger.info("redeemed; the identity provider kept the same refresh token", {
        fingerprint: current.fingerprint,
      });
      const entry = this.#entry(profile, current, current.fingerprint, token);
      const locations = await this.#persistEverywhere(profile, entry, logger, { journal: false });
      return this.#succeed(profile, entry, locations, { rotated: false, replayed: false, token }, logger);
    }
    return this.#journalAndPersist(profile, token, current.fingerprint, logger);
  }

  /**
   * Journal first, then every store: from here on a crash cannot lose the new token. When the only
   * location is a store whose write is itself local and crash-safe (`durableWrites`: the file store),
   * that write is the first durable copy, so it goes first and the journal is the fallback if it fails.
   */
  async #journalAndPersist(
    profile: ProfileConfig,
    token: TokenResult,
    previousFingerprint: string,
    logger: Logger,
  ): Promise<RefreshOutcome> {
    const entry = this.#entry(profile, token.refreshToken!, previousFingerprint, token);
    const direct = this.#writeIsDurableCopy(profile);
    if (direct) {
      const locations = await this.#persistEverywhere(profile, entry, logger, {
        fresh: true,
        journal: false,
        attempts: 1,
      }).catch((error: unknown) => {
        logger.warn("could not write the store; journaling the new refresh token before retrying", {
          error: messageOf(error),
        });
        return undefined;
      });
      if (locations) {
        return this.#succeed(profile, entry, locations, { rotated: true, replayed: false, token }, logger);
      }
    }
    let journaled = true;
    try {
      await this.#journal.record(entry);
    } catch (error) {
      // Without a journal the new token lives only in memory: still try the stores at once.
      journaled = false;
      logger.error("could not write the journal; writing to the stores without it", {
        error: messageOf(error),
      });
    }
    let locations: StoredLocation[];
    try {
      // After a failed direct write the token may have landed anyway: look before writing.
      locations = await this.#persistEverywhere(profile, entry, logger, {
        fresh: !direct,
        journal: journaled,
      });
    } catch (error) {
      if (journaled) throw error;
      locations = await this.#persistFromMemory(profile, entry, logger, error);
    }
    return this.#succeed(profile, entry, locations, { rotated: true, replayed: false, token }, logger);
  }

  /** Neither the journal nor the stores took the token: hold it here until one does. */
  async #persistFromMemory(
    profile: ProfileConfig,
    entry: JournalEntry,
    logger: Logger,
    error: unknown,
  ): Promise<StoredLocation[]> {
    logger.error("the stores failed too; the new refresh token exists only in memory", {
      fingerprint: entry.refreshToken.fingerprint,
      error: messageOf(error),
    });
    let stored: StoredLocation[] | undefined;
    const where = await keepUntilDurable(
      {
        fingerprint: entry.refreshToken.fingerprint,
        journal: () => this.#journal.record(entry),
        stores: async () => {
          stored = await this.#persistEverywhere(profile, entry, logger, { journal: false });
        },
        report: async (held) => {
          await this.#status.update(profile.name, ({ tokenHeldInMemory: _, ...s }) =>
            held ? { ...s, tokenHeldInMemory: entry.refreshToken.fingerprint } : s,
          );
        },
      },
      logger,
      profile.retry,
    );
    return where === "stores" ? stored! : this.#persistEverywhere(profile, entry, logger);
  }

  /** The profile's only location is a store whose `put` is itself a local, crash-safe, durable write. */
  #writeIsDurableCopy(profile: ProfileConfig): boolean {
    const [only, ...others] = profile.refreshToken;
    return (
      only !== undefined &&
      others.length === 0 &&
      this.#options.stores.get(only.store).capabilities.durableWrites === true
    );
  }

  #entry(
    profile: ProfileConfig,
    refreshToken: Secret,
    previousFingerprint: string,
    token: TokenResult,
  ): JournalEntry {
    return {
      profile: profile.name,
      refreshToken,
      previousFingerprint,
      redeemedAt: new Date(),
      accessTokenExpiresAt: token.expiresOn,
      locations: profile.refreshToken,
    };
  }

  /** The token with the latest `updatedAt` across the profile's locations; the first location wins ties. */
  async #readNewest(profile: ProfileConfig, logger: Logger): Promise<Secret> {
    const found: { location: TokenLocation; value: string; updatedAt: number }[] = [];
    const failures: StoreError[] = [];
    let empty: TokenLocation | undefined;
    for (const location of profile.refreshToken) {
      try {
        const stored = await this.#options.stores.read(location.store, location.name);
        if (stored && stored.value.trim() === "") empty ??= location;
        else if (stored)
          found.push({ location, value: stored.value, updatedAt: stored.updatedAt?.getTime() ?? 0 });
      } catch (error) {
        failures.push(error as StoreError);
        logger.warn("could not read the refresh token from a store", {
          store: location.store,
          error: messageOf(error),
        });
      }
    }
    const newest = found.reduce<(typeof found)[number] | undefined>(
      (best, candidate) => (!best || candidate.updatedAt > best.updatedAt ? candidate : best),
      undefined,
    );
    if (newest) return new Secret(newest.value);
    if (failures.length > 0) throw failures[0];
    const where = empty ?? profile.refreshToken[0]!;
    const problem = empty ? "is empty" : "is missing";
    const hadToken = (await this.#status.read(profile.name)).fingerprint !== undefined;
    throw new RefreshError(
      profile.name,
      "terminal",
      `the refresh token ("${where.name}" in store "${where.store}") ${problem}`,
      { code: "REFRESH_TOKEN_MISSING", hint: (hadToken ? consentHint : firstConsentHint)(profile.name) },
    );
  }

  async #redeemWithRetry(
    profile: ProfileConfig,
    current: Secret,
    credential: AppCredential | undefined,
    logger: Logger,
  ): Promise<TokenResult> {
    let timedOut = false;
    try {
      return await this.#withRetry(profile, logger, async () => {
        try {
          return await this.#options.identity.redeem(profile, credential, current);
        } catch (error) {
          timedOut ||= isTimeout(error);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof RefreshError && error.code === "NEEDS_CONSENT") {
        throw new RejectedTokenError(timedOut ? rotatedDuringTimeout(error) : error, current.fingerprint);
      }
      throw error;
    }
  }

  /** Retries transient failures with jittered back-off (at least Retry-After); terminal ones end at once. */
  async #withRetry<T>(profile: ProfileConfig, logger: Logger, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const retryable = error instanceof RefreshError && error.kind === "transient";
        if (!retryable || n >= profile.retry.attempts) throw error;
        const delayMs = backoffDelay(profile.retry, n, error.retryAfterMs);
        logger.warn("transient failure; retrying", { attempt: n, delayMs, error: error.message });
        if (!(await sleep(delayMs, this.#options.stopping))) throw error;
      }
    }
  }

  /** Writes to every location; failed locations are retried (never re-redeemed) until attempts run out. */
  async #persistEverywhere(
    profile: ProfileConfig,
    entry: JournalEntry,
    logger: Logger,
    {
      journal = true,
      fresh = false,
      attempts = profile.retry.attempts,
    }: { journal?: boolean; fresh?: boolean; attempts?: number } = {},
  ): Promise<StoredLocation[]> {
    const metadata = {
      profile: profile.name,
      fingerprint: entry.refreshToken.fingerprint,
      refreshedAt: entry.redeemedAt,
      expiresByInactivityAt: new Date(entry.redeemedAt.getTime() + profile.inactivityDays * 86_400_000),
    };
    const done = new Map<TokenLocation, StoredLocation>();
    for (let attempt = 1; ; attempt++) {
      const remaining = entry.locations.filter((location) => !done.has(location));
      const results = await Promise.allSettled(
        remaining.map((location) =>
          persistToLocation(this.#options.stores, location, entry.refreshToken, metadata, {
            // A failed attempt may still have landed; a fresh token cannot be there yet.
            checkFirst: !fresh || attempt > 1,
          }),
        ),
      );
      let lastError: unknown;
      results.forEach((result, i) => {
        if (result.status === "fulfilled") done.set(remaining[i]!, result.value);
        else lastError = result.reason;
      });
      if (lastError === undefined) break;
      if (attempt >= attempts) throw lastError;
      const delayMs = backoffDelay(profile.retry, attempt);
      logger.warn("store write failed; retrying the failed stores", {
        attempt,
        delayMs,
        error: messageOf(lastError),
      });
      if (!(await sleep(delayMs, this.#options.stopping))) throw lastError;
    }
    if (journal) await this.#journal.clear(profile.name);
    return entry.locations.map((location) => done.get(location)!);
  }

  async #succeed(
    profile: ProfileConfig,
    entry: JournalEntry,
    locations: StoredLocation[],
    how: { rotated: boolean; replayed: boolean; token: TokenResult | undefined },
    logger: Logger,
  ): Promise<RefreshOutcome> {
    const event: RefreshedEvent = {
      profile: profile.name,
      at: new Date(),
      previousFingerprint: entry.previousFingerprint,
      fingerprint: entry.refreshToken.fingerprint,
      rotated: how.rotated,
      accessTokenExpiresAt: entry.accessTokenExpiresAt,
      expiresByInactivityAt: new Date(entry.redeemedAt.getTime() + profile.inactivityDays * 86_400_000),
      locations,
      replayed: how.replayed,
      ...(how.token ? { accessToken: how.token.accessToken } : {}),
    };
    await this.#status.update(profile.name, (s) => ({
      lastAttemptAt: s.lastAttemptAt,
      lastSuccessAt: event.at.toISOString(),
      fingerprint: event.fingerprint,
      refreshTokenIssuedAt:
        how.rotated || !s.refreshTokenIssuedAt ? entry.redeemedAt.toISOString() : s.refreshTokenIssuedAt,
      accessTokenExpiresAt: event.accessTokenExpiresAt.toISOString(),
    }));
    logger.info(
      how.replayed
        ? "refresh token recovered from the journal and stored"
        : "refresh token redeemed and stored",
      {
        previousFingerprint: event.previousFingerprint,
        fingerprint: event.fingerprint,
        rotated: event.rotated,
        accessTokenExpiresAt: event.accessTokenExpiresAt.toISOString(),
        stores: locations.map((l) => `${l.store}:${l.name}@${l.version}`),
      },
    );
    await this.#options.events.emit("refreshed", event);
    return { status: "refreshed", event, token: how.token };
  }

  /** A failed request for another tenant or scopes: said to the caller, nothing recorded. */
  #failRequest(profile: ProfileConfig, error: unknown, logger: Logger): RefreshOutcome {
    const failure = toFailedEvent(profile.name, error);
    logger.warn("token request failed", { kind: failure.kind, code: failure.code, error: failure.message });
    const exitCode = error instanceof PartnerdError ? error.exitCode : 1;
    return { status: "failed", failure, exitCode };
  }

  async #fail(profile: ProfileConfig, error: unknown, logger: Logger): Promise<RefreshOutcome> {
    // Reported, never rethrown: the scheduler must keep running the other profiles.
    const failure = toFailedEvent(profile.name, error);
    const rejectedFingerprint = error instanceof RejectedTokenError ? error.fingerprint : undefined;
    await this.#status
      .update(profile.name, (s) => ({
        ...s,
        needsConsent: failure.needsConsent,
        ...(rejectedFingerprint ? { rejectedFingerprint } : {}),
        lastError: {
          kind: failure.kind,
          code: failure.code,
          message: failure.message,
          ...(failure.aadsts === undefined ? {} : { aadsts: failure.aadsts }),
        },
      }))
      .catch((statusError) =>
        logger.warn("could not record the profile status", { error: messageOf(statusError) }),
      );
    logger.error(failure.needsConsent ? "refresh failed; needs consent" : "refresh failed", {
      kind: failure.kind,
      code: failure.code,
      error: failure.message,
      ...(failure.aadsts === undefined ? {} : { aadsts: failure.aadsts }),
      ...(failure.hint ? { hint: failure.hint } : {}),
    });
    await this.#options.events.emit("failed", failure);
    const exitCode = error instanceof PartnerdError ? error.exitCode : 1;
    return { status: "failed", failure, exitCode };
  }
}

/** The provider rejected this exact token; remembered so the next runs do not hammer it again. */
class RejectedTokenError extends RefreshError {
  readonly fingerprint: string;

  constructor(error: RefreshError, fingerprint: string) {
    super(error.profile, error.kind, error.message, {
      ...(error.aadsts === undefined ? {} : { aadsts: error.aadsts }),
      ...(error.hint ? { hint: error.hint } : {}),
      code: error.code,
      cause: error.cause,
    });
    this.fingerprint = fingerprint;
  }
}

function toFailedEvent(profile: string, error: unknown): FailedEvent {
  const at = new Date();
  if (error instanceof RefreshError) {
    const needsConsent = error.code === "NEEDS_CONSENT" || error.code === "REFRESH_TOKEN_MISSING";
    return {
      profile,
      at,
      kind: error.kind,
      code: error.code,
      message: error.message,
      ...(error.aadsts === undefined ? {} : { aadsts: error.aadsts }),
      needsConsent,
      ...(error.hint ? { hint: error.hint } : {}),
    };
  }
  if (error instanceof StoreError) {
    return { profile, at, kind: "store", code: error.code, message: error.message, needsConsent: false };
  }
  const code = error instanceof PartnerdError ? error.code : "UNEXPECTED";
  const kind = error instanceof PartnerdError && error.exitCode === 2 ? "terminal" : "transient";
  return { profile, at, kind, code, message: messageOf(error), needsConsent: false };
}

function messageOf(error: unknown): string {
  return redactKnownSecrets(error instanceof Error ? error.message : String(error));
}
