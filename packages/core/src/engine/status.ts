import { readFile } from "node:fs/promises";
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
    return next;
  }

  async #readFile(profile: string): Promise<ProfileStatus> {
    let text: string;
    try {
      text = await readFile(this.#path(profile), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      return typeof parsed === "object" && parsed !== null ? (parsed as ProfileStatus) : {};
    } catch {
      return {}; // torn by a crash (it is not fsync'd): the next run rewrites it
    }
  }

  #path(profile: string): string {
    return join(this.#dir, `${profile}.json`);
  }
}
