import { readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { TokenLocation } from "../config/types.ts";
import { fsyncDir, writeFileAtomic } from "../fs/atomic-write.ts";
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
      // Every refresh looks, and there is almost never an entry: a synchronous look that throws nothing
      // when it is absent (an error with its stack costs more than the look; see `writeFileAtomic`).
      if (!statSync(this.#path(profile), { throwIfNoEntry: false })) return undefined;
      text = readFileSync(this.#path(profile), "utf8");
    } catch (error) {
      // ENOTDIR: something not a folder sits where the journal folder goes, so no entry can exist.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
    const entry = parseEntry(text);
    if (!entry) {
      // Never deleted automatically: it may hold the only copy of the newest token.
      throw new Error(
        `journal entry ${this.#path(profile)} is unreadable; if the stores hold a working token, move the file aside`,
      );
    }
    return entry;
  }

  /**
   * A crash between the temp file's fsync and its rename leaves the only copy of a rotated token in
   * the temp file. Completes that rename when a temp file of `profile` parses as a whole entry newer
   * than the entry in place (if any); returns whether one was recovered. Call under the profile's lock.
   */
  async recover(profile: string): Promise<boolean> {
    const prefix = `.${profile}.json.`;
    const names = this.#list().filter((n) => n.startsWith(prefix) && n.endsWith(".tmp"));
    const candidates: { path: string; entry: JournalEntry }[] = [];
    for (const name of names) {
      const path = join(this.#dir, name);
      const entry = parseEntry(await readFile(path, "utf8").catch(() => ""));
      if (entry?.profile === profile) candidates.push({ path, entry });
    }
    if (candidates.length === 0) return false;
    candidates.sort((a, b) => b.entry.redeemedAt.getTime() - a.entry.redeemedAt.getTime());
    const newest = candidates[0]!;
    const current = await this.read(profile).catch(() => undefined);
    let recovered = false;
    if (!current || current.redeemedAt < newest.entry.redeemedAt) {
      await rename(newest.path, this.#path(profile));
      recovered = true;
    }
    for (const { path } of candidates.slice(recovered ? 1 : 0)) await rm(path, { force: true });
    await fsyncDir(this.#dir).catch(() => undefined);
    return recovered;
  }

  /** Profiles with an entry or an entry's temp file in the journal folder, to replay at start-up. */
  async profilesWithEntries(): Promise<Set<string>> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    const profiles = new Set<string>();
    for (const name of names) {
      const entry = /^(.+)\.json$/.exec(name) ?? /^\.(.+)\.json\.[0-9a-f]+\.tmp$/.exec(name);
      if (entry) profiles.add(entry[1]!);
    }
    return profiles;
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
    try {
      unlinkSync(this.#path(profile));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  /** The journal folder's names; usually none. Synchronous and throwing nothing, since every refresh looks. */
  #list(): string[] {
    if (!statSync(this.#dir, { throwIfNoEntry: false })?.isDirectory()) return [];
    try {
      return readdirSync(this.#dir);
    } catch {
      return [];
    }
  }

  #path(profile: string): string {
    return join(this.#dir, `${profile}.json`);
  }
}

/** The entry in a journal file's text, or undefined when it is not a complete one. */
function parseEntry(text: string): JournalEntry | undefined {
  let file: Partial<JournalFile>;
  try {
    file = JSON.parse(text) as Partial<JournalFile>;
  } catch {
    return undefined;
  }
  const redeemedAt = new Date(file.redeemedAt ?? "");
  if (
    file.partnerdJournal !== 1 ||
    typeof file.profile !== "string" ||
    typeof file.refreshToken !== "string" ||
    file.refreshToken === "" ||
    typeof file.previousFingerprint !== "string" ||
    Number.isNaN(redeemedAt.getTime()) ||
    !Array.isArray(file.locations)
  ) {
    return undefined;
  }
  return {
    profile: file.profile,
    refreshToken: new Secret(file.refreshToken),
    previousFingerprint: file.previousFingerprint,
    redeemedAt,
    accessTokenExpiresAt: new Date(file.accessTokenExpiresAt ?? file.redeemedAt ?? ""),
    locations: file.locations,
  };
}
