import { open, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir } from "@partnerd/core/plugin";
import { completeGenerationOf, generationOf } from "./envelope.ts";

/**
 * The temp file a `put` of `<name>` writes before renaming it into place (`tempPathFor`), with
 * `@<generation>` when it is a reused `.previous` file that is to hold that generation (see replace.ts).
 * Secret names never hold `@`.
 */
const TEMP_FILE = /^\.([^@]+?)(?:@([0-9]+))?\.[0-9a-f]{12}\.tmp$/;

/**
 * How old a temp file must be before opening a store may take it for a crashed write: a live `put`
 * holds its temp file for milliseconds, between its fsync and its rename, and taking it then would
 * fail that put. A minute covers an fsync stalled by a busy disk. A younger one is completed by
 * `recover(name)`, which the engine calls under the profile's lock once it knows the writer died.
 */
export const SETTLED_AFTER_MS = 60_000;

export interface FileOnDisk {
  text: string;
  mtimeMs: number;
  /** A regular file of this user's, mode 0600 or stricter: nothing a stranger could have planted. */
  private: boolean;
}

/**
 * A crash after a `put` fsync'd its temp file but before its rename reached the disk leaves the newest
 * token only in that temp file. Since this store is a profile's first durable copy (`durableWrites`),
 * finishing that write is its job: each such temp file is renamed into place when it holds a whole
 * envelope whose check holds (see `FileEnvelope.check`), with a higher generation than the secret it was meant to replace and is not older than it (a
 * token a person wrote by hand after the crash wins). A reused `.previous` file renamed but not yet
 * rewritten still holds the previous token, whole: its name says which generation it was to hold, so
 * it is never taken, even where the secret it was to replace is gone. Anything else is left to the
 * stale-temp sweep. `isSecretName` picks the names to look at; temp files changed within `settledMs`
 * are left to their writers (see {@link SETTLED_AFTER_MS}). Returns the names whose write was completed.
 */
export async function recoverInterruptedWrites(
  dir: string,
  isSecretName: (name: string) => boolean,
  read: (path: string) => Promise<FileOnDisk | null>,
  settledMs: number,
): Promise<string[]> {
  const newest = new Map<string, { path: string; generation: number; mtimeMs: number }>();
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    const [, name, labelled] = TEMP_FILE.exec(file) ?? [];
    if (name === undefined || !isSecretName(name)) continue;
    const path = join(dir, file);
    const temp = await read(path).catch(() => null);
    if (!temp?.private || Date.now() - temp.mtimeMs < settledMs) continue;
    const generation = completeGenerationOf(temp.text);
    if (generation === undefined) continue; // torn or mixed: the crash came before the fsync
    if (labelled !== undefined && generation !== Number(labelled)) continue; // never rewritten
    const best = newest.get(name);
    if (!best || generation > best.generation) newest.set(name, { path, generation, mtimeMs: temp.mtimeMs });
  }
  const recovered: string[] = [];
  for (const [name, temp] of newest) {
    const current = await read(join(dir, name)).catch(() => undefined);
    if (current === undefined) continue; // unreadable now: leave both for the next open
    if (current) {
      const generation = generationOf(current.text);
      if (generation === undefined || generation >= temp.generation || current.mtimeMs > temp.mtimeMs)
        continue;
    }
    try {
      await fsyncFile(temp.path); // it was fsync'd before the crash unless the crash came first
      await rename(temp.path, join(dir, name));
      recovered.push(name);
    } catch {
      // Gone meanwhile (another process completed or removed it): nothing to finish.
    }
  }
  if (recovered.length > 0) await fsyncDir(dir);
  return recovered;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
