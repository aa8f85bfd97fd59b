import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, unlinkSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../fs/atomic-write.ts";
import { writeAllAt } from "../fs/fd.ts";
import { rewriteJsonInPlace } from "../fs/rewrite-in-place.ts";

/** A file holding one take's owner record, hard-linked to the lock's name while that lock is held. */
export interface HolderFile {
  path: string;
  dev: number;
  ino: number;
}

const HOLDER_FILE = /^\.holder\.\d+\.[0-9a-f]{8}$/;

/**
 * The files this process links lock names to. Taking a lock by hard-linking a filled file to its name
 * changes the folder once and releasing it once, without creating, filling or freeing a file each time:
 * measured, that took a fifth off a durable refresh's cost, since every file created and freed waits in
 * the file system's journal behind the tokens' fsyncs. A waiter never sees an empty record either.
 *
 * Each holder file backs at most one held lock at a time, so its record (rewritten in place for each
 * take) is that lock's, and the lock's inode tells its holder apart from every other. Released ones are
 * reused; `close` removes them, and a dead process's are removed by the next process that uses the folder.
 */
export class HolderFiles {
  readonly #dir: string;
  readonly #isDead: (text: string, mtimeMs: number) => boolean;
  readonly #free: HolderFile[] = [];
  #sweeping: Promise<void> | undefined;

  /** `isDead` judges a holder file's text (and age): a dead process's record, or unreadable and old. */
  constructor(dir: string, isDead: (text: string, mtimeMs: number) => boolean) {
    this.#dir = dir;
    this.#isDead = isDead;
  }

  /** A holder file filled with `json`, linked to no lock name. */
  async take(json: string): Promise<HolderFile> {
    this.#sweeping ??= removeDeadHolderFiles(this.#dir, this.#isDead);
    for (let holder = this.#free.pop(); holder; holder = this.#free.pop()) {
      if (reuse(holder, json)) return holder;
    }
    try {
      return this.#create(json);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      await ensurePrivateDir(this.#dir);
      return this.#create(json);
    }
  }

  /** Gives back a holder file that no lock name links to any more. */
  give(holder: HolderFile): void {
    this.#free.push(holder);
  }

  /** Removes the free holder files; the ones backing locks still held stay with them. */
  async close(): Promise<void> {
    await this.#sweeping;
    for (const holder of this.#free.splice(0)) {
      try {
        unlinkSync(holder.path);
      } catch {
        // Already gone.
      }
    }
  }

  #create(json: string): HolderFile {
    const path = join(this.#dir, `.holder.${process.pid}.${randomBytes(4).toString("hex")}`);
    const fd = openSync(path, "wx", PRIVATE_FILE_MODE);
    try {
      writeAllAt(fd, `${json}\n`);
      const { dev, ino } = fstatSync(fd);
      return { path, dev, ino };
    } catch (error) {
      unlinkSync(path);
      throw error;
    } finally {
      closeSync(fd);
    }
  }
}

/** Refills a free holder file; `false` (drop it, make another) when someone removed or replaced it. */
function reuse(holder: HolderFile, json: string): boolean {
  try {
    return rewriteJsonInPlace(holder.path, json) !== undefined;
  } catch {
    return false;
  }
}

/** Holder files left by processes that died (a crash, a kill) without closing their locks. */
async function removeDeadHolderFiles(
  dir: string,
  isDead: (text: string, mtimeMs: number) => boolean,
): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => HOLDER_FILE.test(n))) {
    const path = join(dir, name);
    try {
      const fd = openSync(path, "r");
      let dead: boolean;
      try {
        dead = isDead(readFileSync(fd, "utf8"), fstatSync(fd).mtimeMs);
      } finally {
        closeSync(fd);
      }
      // A lock it still backs keeps its own name: removing this one changes nothing for that lock.
      if (dead) unlinkSync(path);
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
