import { randomBytes } from "node:crypto";

import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { link, unlink } from "node:fs/promises";
import { join } from "node:path";
import { PartnerdError } from "../errors.ts";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../fs/atomic-write.ts";
import { openFd } from "../fs/fd.ts";
import type { AcquireOptions, HeldLock, LockOwner, Locks } from "./contract.ts";
import { LockBusyError, LockLostError } from "./errors.ts";
import { type HolderFile, HolderFiles } from "./holder-files.ts";
import { currentProcessIdentity, mayBeAlive, type ProcessIdentity } from "./process-liveness.ts";

type OwnerRecord = LockOwner & ProcessIdentity;

interface Observed {
  record: OwnerRecord | undefined;
  dev: number;
  ino: number;
  mtimeMs: number;
}

/**
 * A record that does not parse is a holder between creating and filling the file, one that died there,
 * or a stranger: dead once the file is this old.
 */
const UNREADABLE_GRACE_MS = 5_000;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;
/** What `link` fails with where the file system has no hard links: lock files are created instead. */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK"]);

interface Taken {
  inode: { dev: number; ino: number };
  /** The holder file the lock's name links to; `undefined` for a lock file created in place. */
  holder?: HolderFile;
}

/**
 * Per-key lock files in one folder (`<dir>/<key>.lock`), holding the owner's pid, boot id and process
 * start time. Node has no flock(2), and a native addon breaks on every Node upgrade and on installs
 * without a compiler; an mtime-heartbeat lock (proper-lockfile) robs a live holder whose event loop
 * stalls past the staleness window. Here a holder is dead only when its process provably is.
 *
 * Taking: a holder file already filled with this take's record is hard-linked to the lock's name (only
 * one link can win; see holder-files.ts). Where the file system has no hard links, the lock's name is
 * created exclusively and the record written into it. Breaking a dead holder's lock: it is renamed
 * aside and kept only if the renamed file is the very inode judged dead; otherwise it is linked back.
 */
export class FileLocks implements Locks {
  readonly #dir: string;
  readonly #command: string;
  readonly #subject: (key: string) => string;
  readonly #holders: HolderFiles;
  #hardLinks = true;

  /** `command` is recorded for waiters' messages; `subject` names what a key locks, in those messages. */
  constructor(dir: string, command: string, subject: (key: string) => string = (key) => `profile "${key}"`) {
    this.#dir = dir;
    this.#command = command;
    this.#subject = subject;
    this.#holders = new HolderFiles(dir, (text, mtimeMs) => isDead({ record: parseRecord(text), mtimeMs }));
  }

  /** Removes this process's spare holder files; locks still held keep theirs. Call it when done. */
  close(): Promise<void> {
    return this.#holders.close();
  }

  async acquire(key: string, options: AcquireOptions): Promise<HeldLock> {
    try {
      return await this.#acquire(key, options);
    } catch (error) {
      if (error instanceof PartnerdError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? String(error));
      throw new PartnerdError(
        "LOCK_UNWRITABLE",
        `cannot take the lock of ${this.#subject(key)}: cannot write ${this.#dir} (${reason}); the state folder must be writable by the user partnerd runs as`,
      );
    }
  }

  async #acquire(key: string, { waitMs, signal }: AcquireOptions): Promise<HeldLock> {
    const path = this.#path(key);
    const started = Date.now();
    let pollMs = FIRST_POLL_MS;
    let previousHolderDied = false;
    for (;;) {
      const record: OwnerRecord = {
        ...currentProcessIdentity(),
        command: this.#command,
        since: new Date().toISOString(),
      };
      const taken = await this.#tryTake(path, key, record);
      if (taken) {
        const { holder } = taken;
        const released = holder ? () => this.#holders.give(holder) : () => {};
        return new HeldFileLock(path, this.#subject(key), record, taken.inode, previousHolderDied, released);
      }
      const observed = await observe(path);
      if (!observed) continue; // released between our create and our look: try again at once
      if (isDead(observed)) {
        await breakDeadLock(path, observed);
        previousHolderDied = true;
        continue;
      }
      const waited = Date.now() - started;
      if (waited >= waitMs || signal?.aborted)
        throw new LockBusyError(this.#subject(key), observed.record, waited);
      await delay(Math.min(pollMs, waitMs - waited));
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }

  async holder(key: string): Promise<LockOwner | undefined> {
    const observed = await observe(this.#path(key));
    if (!observed || isDead(observed)) return undefined;
    return observed.record ? ownerOf(observed.record) : undefined;
  }

  #path(key: string): string {
    return join(this.#dir, `${key}.lock`);
  }

  /** The lock, when this call took it; undefined when another holder's file is there. */
  async #tryTake(path: string, key: string, record: OwnerRecord): Promise<Taken | undefined> {
    if (!this.#hardLinks) {
      const inode = await this.#tryCreate(path, record);
      return inode && { inode };
    }
    // The key is there for a person reading the file.
    const holder = await this.#holders.take(JSON.stringify({ ...record, key }));
    try {
      await link(holder.path, path);
      return { inode: holder, holder };
    } catch (error) {
      this.#holders.give(holder); // linked to nothing
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (code === "EEXIST") return undefined;
      if (!NO_HARD_LINKS.has(code)) throw error;
      this.#hardLinks = false;
      return this.#tryTake(path, key, record);
    }
  }

  /**
   * Without hard links: the lock's inode when this call created it; undefined when another holder's file
   * is there. The file is created exclusively, then filled: a waiter that reads it in between finds no record and waits
   * (`UNREADABLE_GRACE_MS`). One folder change per take, where a temp file linked into place costs three,
   * each of which can wait on the file system's journal while other files are fsync'd: so the create is
   * asynchronous, and filling the tiny record synchronous (see `writeFileAtomic`).
   */
  async #tryCreate(path: string, record: OwnerRecord): Promise<{ dev: number; ino: number } | undefined> {
    const fd = await this.#createExclusive(path);
    if (fd === undefined) return undefined;
    try {
      writeFileSync(fd, `${JSON.stringify(record)}\n`);
      const { dev, ino } = fstatSync(fd);
      return { dev, ino };
    } catch (error) {
      await unlink(path).catch(() => undefined); // ours and empty: never leave it to the grace period
      throw error;
    } finally {
      closeSync(fd);
    }
  }

  /** The new file's descriptor; undefined when the name exists. Creates the folder when it is missing. */
  async #createExclusive(path: string, folderMade = false): Promise<number | undefined> {
    try {
      return await openFd(path, "wx", PRIVATE_FILE_MODE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return undefined;
      if (code !== "ENOENT" || folderMade) throw error;
      await ensurePrivateDir(this.#dir);
      return this.#createExclusive(path, true);
    }
  }
}

class HeldFileLock implements HeldLock {
  readonly owner: LockOwner;
  readonly previousHolderDied: boolean;
  readonly #path: string;
  readonly #subject: string;
  readonly #inode: { dev: number; ino: number };
  readonly #unlinked: () => void;
  #released = false;

  /** `unlinked` is called once the lock's name no longer links to the lock's file. */
  constructor(
    path: string,
    subject: string,
    record: OwnerRecord,
    inode: { dev: number; ino: number },
    previousHolderDied: boolean,
    unlinked: () => void,
  ) {
    this.#path = path;
    this.#subject = subject;
    this.owner = ownerOf(record);
    this.#inode = inode;
    this.previousHolderDied = previousHolderDied;
    this.#unlinked = unlinked;
  }

  async verify(): Promise<void> {
    if (this.#released || !this.#stillOurs()) throw new LockLostError(this.#subject);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.#stillOurs()) {
      try {
        await unlink(this.#path);
      } catch {
        return; // still linked, maybe: its file must not back another lock
      }
    }
    this.#unlinked();
  }

  #stillOurs(): boolean {
    try {
      const { dev, ino } = statSync(this.#path);
      return dev === this.#inode.dev && ino === this.#inode.ino;
    } catch {
      return false;
    }
  }
}

async function observe(path: string): Promise<Observed | undefined> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const { dev, ino, mtimeMs } = fstatSync(fd);
    return { record: parseRecord(readFileSync(fd, "utf8")), dev, ino, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function isDead(observed: Pick<Observed, "record" | "mtimeMs">): boolean {
  if (observed.record) return !mayBeAlive(observed.record);
  return Date.now() - observed.mtimeMs > UNREADABLE_GRACE_MS;
}

async function breakDeadLock(path: string, judged: Observed): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.dead`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // another waiter broke it first
    throw error;
  }
  const moved = statSync(aside);
  if (moved.dev !== judged.dev || moved.ino !== judged.ino) {
    // Another waiter broke the dead lock and took it between our look and our rename: put it back.
    try {
      linkSync(aside, path);
    } catch {
      // taken again meanwhile: theirs now
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

function parseRecord(text: string): OwnerRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<OwnerRecord>;
    if (typeof record.pid !== "number" || typeof record.host !== "string") return undefined;
    return {
      pid: record.pid,
      host: record.host,
      command: typeof record.command === "string" ? record.command : "unknown command",
      since: typeof record.since === "string" ? record.since : "an unknown time",
      ...(typeof record.bootId === "string" ? { bootId: record.bootId } : {}),
      ...(typeof record.startTime === "string" ? { startTime: record.startTime } : {}),
    };
  } catch {
    return undefined;
  }
}

function ownerOf(record: OwnerRecord): LockOwner {
  return { pid: record.pid, command: record.command, since: record.since, host: record.host };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
