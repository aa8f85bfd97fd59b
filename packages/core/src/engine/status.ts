import type { Stats } from "node:fs";
import { readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { redactKnownSecrets } from "../redaction.ts";

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
 * The per-profile status files. Advisory (what `status`, metrics and hooks show; tokens never depend on
 * it): nothing here may stop a refresh. A file that cannot be read reads as empty (a damaged one is set
 * aside), one that cannot be written is skipped, both with a warning. Written atomically but not
 * fsync'd: a crash may leave an older or a torn file, which reads as no status.
 */
export class StatusBook {
  readonly #dir: string;
  readonly #logger: Logger;
  /** Attempts noted but not yet written: they go out with the attempt's outcome, one write per run. */
  readonly #attempts = new Map<string, string>();
  /** The last content seen per profile, with the file it came from. */
  readonly #seen = new Map<string, { file: FileIdentity; status: ProfileStatus }>();

  constructor(stateDir: string, logger: Logger = silentLogger) {
    this.#dir = join(stateDir, "status");
    this.#logger = logger;
  }

  async read(profile: string): Promise<ProfileStatus> {
    const attempt = this.#attempts.get(profile);
    const status = await this.#readFile(profile);
    return attempt === undefined ? status : { ...status, lastAttemptAt: attempt };
  }

  /** Records the start of an attempt in memory; the next `update` of the profile writes it. */
  noteAttempt(profile: string, at: Date): void {
    this.#attempts.set(profile, at.toISOString());
  }

  /** Applies `change` and writes the result; a failure to write is logged, never thrown. */
  async update(profile: string, change: (status: ProfileStatus) => ProfileStatus): Promise<ProfileStatus> {
    const next = change(await this.read(profile));
    this.#attempts.delete(profile);
    if (next.lastError) {
      next.lastError = { ...next.lastError, message: redactKnownSecrets(next.lastError.message) };
    }
    try {
      await writeFileAtomic(this.#path(profile), `${JSON.stringify(next, null, 2)}\n`, {
        durable: false,
        createDir: true,
      });
      await this.#remember(profile, next);
    } catch (error) {
      this.#seen.delete(profile);
      this.#logger.warn("could not write the profile status; the refresh goes on without it", {
        file: this.#path(profile),
        error: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
      });
    }
    return next;
  }

  /**
   * The file's content, re-read only when it changed since this book last saw it (every write is a
   * rename, so a new inode): a refresh reads its status twice, and one `stat` is cheaper than a read.
   */
  async #readFile(profile: string): Promise<ProfileStatus> {
    const path = this.#path(profile);
    let info: FileIdentity;
    let text: string;
    try {
      info = identityOf(await stat(path));
      const known = this.#seen.get(profile);
      if (known && sameFile(known.file, info)) return { ...known.status };
      text = await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") {
        this.#logger.warn("could not read the profile status; ignoring it", { file: path, error: code });
      }
      return {};
    }
    const status = parseStatus(text);
    if (status) {
      this.#seen.set(profile, { file: info, status });
      return { ...status };
    }
    const aside = `${path}${STATUS_CORRUPT_SUFFIX}`;
    const moved = await rename(path, aside).then(
      () => true,
      () => false,
    );
    this.#logger.warn("the profile status file is damaged; set aside, starting from an empty status", {
      file: path,
      ...(moved ? { keptAs: aside } : {}),
    });
    return {};
  }

  async #remember(profile: string, status: ProfileStatus): Promise<void> {
    try {
      this.#seen.set(profile, { file: identityOf(await stat(this.#path(profile))), status });
    } catch {
      this.#seen.delete(profile);
    }
  }

  #path(profile: string): string {
    return join(this.#dir, `${profile}.json`);
  }
}

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

function identityOf(stats: Stats): FileIdentity {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** The status, or undefined when the text is not a status object (damaged, or torn by a crash). */
function parseStatus(text: string): ProfileStatus | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as ProfileStatus;
  } catch {
    // damaged: set aside by the caller
  }
  return undefined;
}
