import type { Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.ts";

/** What partnerd remembers about a profile between runs; never holds a token. */
export interface ProfileStatus {
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  /** Fingerprint of the refresh token now in the stores. */
  fingerprint?: string;
  /** When the current refresh token was issued; it dies 90 days later unless redeemed. */
  refreshTokenIssuedAt?: string;
  accessTokenExpiresAt?: string;
  needsConsent?: boolean;
  /** The token that was rejected; a different token in the store means someone consented again. */
  rejectedFingerprint?: string;
  lastError?: { kind: string; code: string; message: string; aadsts?: number };
}

/**
 * Status is advisory (what `status`, metrics and hooks show; tokens never depend on it), so it is written
 * atomically but not fsync'd: a crash may leave an older or an empty file, which reads as no status.
 */
export class StatusBook {
  readonly #dir: string;
  /** Attempts noted but not yet written: they go out with the attempt's outcome, one write per run. */
  readonly #attempts = new Map<string, string>();
  /** The last content seen per profile, with the file it came from. */
  readonly #seen = new Map<string, { file: FileIdentity; status: ProfileStatus }>();

  constructor(stateDir: string) {
    this.#dir = join(stateDir, "status");
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

  async update(profile: string, change: (status: ProfileStatus) => ProfileStatus): Promise<ProfileStatus> {
    const next = change(await this.read(profile));
    this.#attempts.delete(profile);
    await writeFileAtomic(this.#path(profile), `${JSON.stringify(next, null, 2)}\n`, {
      durable: false,
      createDir: true,
    });
    await this.#remember(profile, next);
    return next;
  }

  /**
   * The file's content, re-read only when it changed since this book last saw it (every write is a
   * rename, so a new inode): a refresh reads its status twice, and one `stat` is cheaper than a read.
   */
  async #readFile(profile: string): Promise<ProfileStatus> {
    const path = this.#path(profile);
    let info: FileIdentity;
    try {
      info = identityOf(await stat(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    const known = this.#seen.get(profile);
    if (known && sameFile(known.file, info)) return { ...known.status };
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    const status = parseStatus(text);
    this.#seen.set(profile, { file: info, status });
    return { ...status };
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

function parseStatus(text: string): ProfileStatus {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as ProfileStatus) : {};
  } catch {
    return {}; // torn by a crash (it is not fsync'd): the next run rewrites it
  }
}
