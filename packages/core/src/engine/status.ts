import { renameSync } from "node:fs";
import { type Logger, silentLogger } from "../log/logger.ts";
import { redactKnownSecrets } from "../redaction.ts";
import { statusFilePath } from "../state-paths.ts";
import { readParsedStatus, readStatusText, writeStatusText } from "./status-file.ts";

/** What partnerd remembers about a profile between runs; never holds a token. */
export interface ProfileStatus {
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  /** Fingerprint of the refresh token now in the stores. */
  fingerprint?: string;
  /** When the current refresh token was issued; it dies `inactivityDays` later unless redeemed. */
  refreshTokenIssuedAt?: string;
  accessTokenExpiresAt?: string;
  needsConsent?: boolean;
  /** The token that was rejected; a different token in the store means someone consented again. */
  rejectedFingerprint?: string;
  lastError?: { kind: string; code: string; message: string; aadsts?: number };
  /** Fingerprint of a redeemed token that neither the journal nor a store has taken yet (held in memory). */
  tokenHeldInMemory?: string;
}

/** Suffix of a damaged status file set aside (like the file store's `.corrupt`). */
export const STATUS_CORRUPT_SUFFIX = ".corrupt";

/**
 * Status changes not written yet, by file. Shared by every book in this process, so that each reads what
 * the others recorded; written shortly after, off the refresh's path (`flushStatus`).
 */
const unwritten = new Map<string, { status: ProfileStatus; logger: Logger }>();
/** The text this process last read or wrote per file: another process's write since shows as a change. */
const seen = new Map<string, string>();
/** Batches the writes of concurrent refreshes; short enough that `partnerd status` never notices. */
const WRITE_BEHIND_MS = 50;
let flushTimer: NodeJS.Timeout | undefined;
let flushing: Promise<void> = Promise.resolve();

/** Whether this process recorded a status it has not written yet (a command that only reads never does). */
export function anyUnwrittenStatus(): boolean {
  return unwritten.size > 0;
}

/** A copy of the status this process recorded at `path` and has not written yet, if any. */
export function unwrittenStatus(path: string): ProfileStatus | undefined {
  const pending = unwritten.get(path);
  return pending && { ...pending.status };
}

/**
 * Writes every status change recorded so far; resolves when they are on disk (as far as an advisory,
 * un-fsync'd file goes). `PartnerdRuntime.close()` calls it; a process also writes them within 50 ms.
 */
export function flushStatus(): Promise<void> {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  flushing = flushing.then(writeUnwritten);
  return flushing;
}

async function writeUnwritten(): Promise<void> {
  const batch = [...unwritten];
  for (let i = 0; i < batch.length; i += 16) {
    await Promise.all(
      batch.slice(i, i + 16).map(async ([path, pending]) => {
        try {
          if (replacedSinceSeen(path)) {
            // Another process wrote it after this one read it: it held the profile's lock after us (the
            // engine reads and records a status under that lock), so its status is the newer one.
            if (unwritten.get(path) === pending) unwritten.delete(path);
            seen.delete(path);
            return;
          }
          seen.set(path, await writeStatusText(path, JSON.stringify(pending.status, null, 2)));
        } catch (error) {
          seen.delete(path);
          pending.logger.warn("could not write the profile status; the refresh goes on without it", {
            file: path,
            error: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
          });
        }
        // A newer change recorded meanwhile stays for the next flush.
        if (unwritten.get(path) === pending) unwritten.delete(path);
      }),
    );
  }
}

/** The file at `path` no longer holds what this process last read or wrote (a missing file is not "newer"). */
function replacedSinceSeen(path: string): boolean {
  const known = seen.get(path);
  if (known === undefined) return false;
  const onDisk = readStatusText(path);
  return onDisk !== undefined && onDisk !== known;
}

/**
 * The per-profile status files. Advisory (what `status`, metrics and hooks show; tokens never depend on
 * it): nothing here may stop a refresh. A file that cannot be read reads as empty (a damaged one is set
 * aside), one that cannot be written is skipped, both with a warning. Written in place, not fsync'd,
 * and shortly after the change rather than during the refresh (status-file.ts says why): a crash may
 * lose the last changes or leave a torn file, which reads as no status.
 */
export class StatusBook {
  readonly #stateDir: string;
  readonly #logger: Logger;
  /** Attempts noted but not yet recorded: they go out with the attempt's outcome, one write per run. */
  readonly #attempts = new Map<string, string>();

  constructor(stateDir: string, logger: Logger = silentLogger) {
    this.#stateDir = stateDir;
    this.#logger = logger;
  }

  async read(profile: string): Promise<ProfileStatus> {
    const attempt = this.#attempts.get(profile);
    const status = unwritten.get(this.#path(profile))?.status ?? (await this.#readFile(profile));
    return attempt === undefined ? { ...status } : { ...status, lastAttemptAt: attempt };
  }

  /** Records the start of an attempt in memory; the next `update` of the profile writes it. */
  noteAttempt(profile: string, at: Date): void {
    this.#attempts.set(profile, at.toISOString());
  }

  /** Applies `change` and records the result, to be written shortly (`flushStatus`); never throws. */
  async update(profile: string, change: (status: ProfileStatus) => ProfileStatus): Promise<ProfileStatus> {
    const next = change(await this.read(profile));
    this.#attempts.delete(profile);
    if (next.lastError) {
      next.lastError = { ...next.lastError, message: redactKnownSecrets(next.lastError.message) };
    }
    unwritten.set(this.#path(profile), { status: next, logger: this.#logger });
    flushTimer ??= setTimeout(() => void flushStatus(), WRITE_BEHIND_MS);
    return { ...next };
  }

  /**
   * The file's content. Synchronous, like every small-file operation on the refresh path (see
   * `writeFileAtomic`): a read of a small file costs less than a `stat` through the thread pool.
   */
  async #readFile(profile: string): Promise<ProfileStatus> {
    const path = this.#path(profile);
    let read: ReturnType<typeof readParsedStatus>;
    try {
      read = readParsedStatus(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.#logger.warn("could not read the profile status; ignoring it", { file: path, error: code });
      return {};
    }
    if (read === undefined) return {};
    if (read.status) {
      seen.set(path, read.text);
      return read.status;
    }
    const aside = `${path}${STATUS_CORRUPT_SUFFIX}`;
    let moved = true;
    try {
      renameSync(path, aside);
    } catch {
      moved = false;
    }
    this.#logger.warn("the profile status file is damaged; set aside, starting from an empty status", {
      file: path,
      ...(moved ? { keptAs: aside } : {}),
    });
    return {};
  }

  #path(profile: string): string {
    return statusFilePath(this.#stateDir, profile);
  }
}
