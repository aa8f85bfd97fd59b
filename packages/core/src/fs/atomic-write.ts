import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, ftruncateSync, openSync, rmSync, type Stats } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fsyncFd, openFd, writeAllAt } from "./fd.ts";

export const PRIVATE_FILE_MODE = 0o600;
const TEMP_SUFFIX = ".tmp";
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;
const LABELLED_TEMP_FILE = /@[^.@]+\.[0-9a-f]{12}\.tmp$/;
export const PRIVATE_DIR_MODE = 0o700;

export interface AtomicWriteOptions {
  /** File mode; 0600 by default. */
  mode?: number;
  /**
   * `false` for advisory files (status): still replaced atomically (temp, rename), but neither the file
   * nor the folder is fsync'd, so a crash may leave the previous content (or, on some file systems, an
   * empty file: readers must cope). Default `true`.
   */
  durable?: boolean;
  /**
   * Create the folder (0700) when it is missing. Tried only after the first attempt finds no folder, so
   * a folder that exists costs no `mkdir` per write.
   */
  createDir?: boolean;
}

/**
 * Replaces `path` with `data` so that a reader sees either the old or the new content, never a mix,
 * and the new content survives a crash once this resolves: temp file (0600, or `mode`) → fsync → rename →
 * fsync dir.
 *
 * The files written here are small (a token, a status): writing and closing one takes microseconds on a
 * local disk, while each fs/promises call costs a thread-pool round trip of ~40 µs, so those calls run
 * synchronously. What can wait on the disk stays asynchronous: the fsyncs, and the create and the rename,
 * which take the folder's lock that a concurrent fsync of the folder holds.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  { mode = PRIVATE_FILE_MODE, durable = true, createDir = false }: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  let fd: number;
  try {
    fd = await openFd(temp, "wx", PRIVATE_FILE_MODE);
  } catch (error) {
    if (!createDir || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await ensurePrivateDir(dir);
    fd = await openFd(temp, "wx", PRIVATE_FILE_MODE);
  }
  await commitTempFile(fd, temp, path, data, { mode, durable });
}

export interface CommitOptions {
  /** File mode; 0600 by default. */
  mode?: number;
  /** See `AtomicWriteOptions.durable`. */
  durable?: boolean;
  /** Awaited after the temp file's fsync, before the rename: work the replacement must wait for. */
  beforeRename?: Promise<unknown>;
}

/**
 * The second half of `writeFileAtomic`, for a caller that opened the temp file `fd` (at `temp`) itself:
 * fills it with `data` from its start (cutting whatever was after it), fsyncs and closes it, renames it
 * over `path` and fsyncs the folder. On any failure the temp file is removed.
 */
export async function commitTempFile(
  fd: number,
  temp: string,
  path: string,
  data: string | Uint8Array,
  { mode = PRIVATE_FILE_MODE, durable = true, beforeRename }: CommitOptions = {},
): Promise<void> {
  try {
    // Widened only after the open, and explicitly, so that the umask cannot change the requested mode.
    if (mode !== PRIVATE_FILE_MODE) fchmodSync(fd, mode);
    ftruncateSync(fd, writeAllAt(fd, data));
    if (durable) await fsyncFd(fd);
    if (beforeRename) await beforeRename;
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    await rename(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (durable) await fsyncDir(dirname(path));
}

/**
 * A fresh name next to `path` for the temp file that replaces it (`removeStaleTempFiles` knows the
 * pattern). A `label` (no dots) is kept in the name as `@label`, for crash recovery to read back.
 */
export function tempPathFor(path: string, label?: string): string {
  const tag = label === undefined ? "" : `@${label}`;
  return join(dirname(path), `.${basename(path)}${tag}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`);
}

interface DirSyncs {
  running: boolean;
  waiting: { resolve: () => void; reject: (error: unknown) => void }[];
}
const dirSyncs = new Map<string, DirSyncs>();

/**
 * Makes a rename or unlink in `dir` durable. (Windows cannot open a folder for syncing; NTFS journals it.)
 * Group commit: callers arriving while a sync of `dir` runs share the next one, which starts after all
 * of their renames, so concurrent refreshes cost one folder fsync per batch instead of one each.
 */
export function fsyncDir(dir: string): Promise<void> {
  if (process.platform === "win32") return Promise.resolve();
  return new Promise((resolve, reject) => {
    let syncs = dirSyncs.get(dir);
    if (!syncs) {
      syncs = { running: false, waiting: [] };
      dirSyncs.set(dir, syncs);
    }
    syncs.waiting.push({ resolve, reject });
    if (!syncs.running) void drainDirSyncs(dir, syncs);
  });
}

async function drainDirSyncs(dir: string, syncs: DirSyncs): Promise<void> {
  syncs.running = true;
  while (syncs.waiting.length > 0) {
    // Everyone here called after their rename; this sync starts after all of those calls.
    const batch = syncs.waiting.splice(0);
    try {
      await syncDirNow(dir);
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
  syncs.running = false;
  dirSyncs.delete(dir);
}

async function syncDirNow(dir: string): Promise<void> {
  const fd = openSync(dir, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates `dir` (and parents) with mode 0700 when missing; leaves an existing folder's mode alone. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Removes temp files a crash left behind in `dir` (they may hold secrets). Only files older than
 * `olderThanMs` go, so that another process's write in progress is never touched. A labelled temp
 * file (see `tempPathFor`) may be an old file renamed a moment ago to be rewritten (the file store
 * reuses `.previous` that way): its age counts from its change time too, which the rename updated.
 */
export async function removeStaleTempFiles(dir: string, olderThanMs = 60 * 60 * 1000): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter((n) => TEMP_FILE.test(n))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && Date.now() - lastChangeOf(name, info) > olderThanMs) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/** When a temp file last changed: a labelled one also when it was renamed to its temp name. */
function lastChangeOf(name: string, info: Stats): number {
  return LABELLED_TEMP_FILE.test(name) ? Math.max(info.mtimeMs, info.ctimeMs) : info.mtimeMs;
}
