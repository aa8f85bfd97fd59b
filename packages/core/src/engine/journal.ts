import { readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { TokenLocation } from "../config/types.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { Secret } from "../secret.ts";

/** A refresh token that was redeemed but not yet confirmed in every store. */
export interface JournalEntry {
  profile: string;
  refreshToken: Secret;
  previousFingerprint: string;
  redeemedAt: Date;
  /** Access-token expiry of the redemption, for the event raised once the entry is persisted. */
  accessTokenExpiresAt: Date;
  locations: TokenLocation[];
}

interface JournalFile {
  partnerdJournal: 1;
  profile: string;
  refreshToken: string;
  previousFingerprint: string;
  redeemedAt: string;
  accessTokenExpiresAt: string;
  locations: TokenLocation[];
}

/**
 * The local, fsync'd record that makes "never lose a token" true: an entry is written before any store
 * is touched and removed only after every store holds the token and read it back.
 */
export class Journal {
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, "journal");
  }

  /** Durable when it resolves: the entry's file and the folder's new name are fsync'd (2 fsyncs). */
  async record(entry: JournalEntry): Promise<void> {
    const file: JournalFile = {
      partnerdJournal: 1,
      profile: entry.profile,
      refreshToken: entry.refreshToken.reveal(),
      previousFingerprint: entry.previousFingerprint,
      redeemedAt: entry.redeemedAt.toISOString(),
      accessTokenExpiresAt: entry.accessTokenExpiresAt.toISOString(),
      locations: entry.locations,
    };
    await writeFileAtomic(this.#path(entry.profile), `${JSON.stringify(file)}\n`, { createDir: true });
  }

  async read(profile: string): Promise<JournalEntry | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(profile), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let file: JournalFile;
    try {
      file = JSON.parse(text) as JournalFile;
    } catch {
      file = {} as JournalFile;
    }
    if (file.partnerdJournal !== 1 || typeof file.refreshToken !== "string") {
      // Never deleted automatically: it may hold the only copy of the newest token.
      throw new Error(
        `journal entry ${this.#path(profile)} is unreadable; if the stores hold a working token, move the file aside`,
      );
    }
    return {
      profile: file.profile,
      refreshToken: new Secret(file.refreshToken),
      previousFingerprint: file.previousFingerprint,
      redeemedAt: new Date(file.redeemedAt),
      accessTokenExpiresAt: new Date(file.accessTokenExpiresAt),
      locations: file.locations,
    };
  }

  /** Profiles with an entry, from one listing of the folder (start-up replay: no read per profile). */
  async pendingProfiles(): Promise<Set<string>> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Set();
      throw error;
    }
    return new Set(names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length)));
  }

  /**
   * Removes the entry once every store holds its token. The removal is not fsync'd: each store's write
   * was durable (and read back) before this is called, so the token no longer depends on the journal.
   * If a crash forgets the removal, the entry comes back and the next run replays it: the stores already
   * hold that token, so the replay finds it there and writes nothing. Only the latest entry can come back
   * (the next record's folder fsync makes this removal durable too). A token stored meanwhile by someone
   * else (a new consent) is what the replay's comparison with the store's value protects; it must not
   * write an entry over a store value the entry did not come from.
   */
  async clear(profile: string): Promise<void> {
    // unlink, not rm({ force }): rm looks at the path twice before removing it.
    await unlink(this.#path(profile)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  #path(profile: string): string {
    return join(this.#dir, `${profile}.json`);
  }
}
