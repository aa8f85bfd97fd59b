import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../fs/atomic-write.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import { redactKnownSecrets } from "../redaction.ts";

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
  /** Fingerprint of a redeemed token that neither the journal nor a store has taken yet (held in memory). */
  tokenHeldInMemory?: string;
}

/** Suffix of a damaged status file set aside (like the file store's `.corrupt`). */
export const STATUS_CORRUPT_SUFFIX = ".corrupt";

/**
 * The per-profile status files. Advisory: nothing here may stop a refresh. A status file that cannot
 * be read reads as empty (a damaged one is set aside), one that cannot be written is skipped; both with
 * a warning.
 */
export class StatusBook {
  readonly #dir: string;
  readonly #logger: Logger;

  constructor(stateDir: string, logger: Logger = silentLogger) {
    this.#dir = join(stateDir, "status");
    this.#logger = logger;
  }

  async read(profile: string): Promise<ProfileStatus> {
    const path = this.#path(profile);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT")
        this.#logger.warn("could not read the profile status; ignoring it", { file: path, error: code });
      return {};
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        return parsed as ProfileStatus;
    } catch {
      // Set aside below.
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

  /** Applies `change` and writes the result; a failure to write is logged, never thrown. */
  async update(profile: string, change: (status: ProfileStatus) => ProfileStatus): Promise<ProfileStatus> {
    const next = change(await this.read(profile));
    if (next.lastError)
      next.lastError = { ...next.lastError, message: redactKnownSecrets(next.lastError.message) };
    try {
      await ensurePrivateDir(this.#dir);
      await writeFileAtomic(this.#path(profile), `${JSON.stringify(next, null, 2)}\n`);
    } catch (error) {
      this.#logger.warn("could not write the profile status; the refresh goes on without it", {
        file: this.#path(profile),
        error: (error as NodeJS.ErrnoException).code ?? (error as Error).message,
      });
    }
    return next;
  }

  #path(profile: string): string {
    return join(this.#dir, `${profile}.json`);
  }
}
