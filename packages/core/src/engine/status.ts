import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../fs/atomic-write.ts";

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

export class StatusBook {
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, "status");
  }

  async read(profile: string): Promise<ProfileStatus> {
    try {
      return JSON.parse(await readFile(this.#path(profile), "utf8")) as ProfileStatus;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
  }

  async update(profile: string, change: (status: ProfileStatus) => ProfileStatus): Promise<ProfileStatus> {
    const next = change(await this.read(profile));
    await ensurePrivateDir(this.#dir);
    await writeFileAtomic(this.#path(profile), `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  #path(profile: string): string {
    return join(this.#dir, `${profile}.json`);
  }
}
