import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from "node:fs";
import { link, rename } from "node:fs/promises";
import { commitTempFile, tempPathFor } from "@partnerd/core/plugin";

/**
 * Replaces the secret file at `path` with `text` and keeps the file it replaces as `previous`, reusing
 * the file `previous` held until now as the new content's temp file: three folder changes (`previous`
 * renamed to a temp name, `path` linked as `previous`, the temp file renamed to `path`) and no file
 * created or freed, where a fresh temp file costs four and both. Measured, that took a fifth off a
 * durable refresh: every file created and freed, and every block allocated, waits in the file
 * system's journal behind the tokens' fsyncs.
 *
 * The reused file is rewritten in place before its fsync, so a crash in between can leave it part old,
 * part new; the envelope's `check` is what keeps crash recovery from taking such a file. `path` is
 * never touched until the rename, and `previous` is missing only between the first rename and the link.
 *
 * The temp name carries the generation `text` holds (`.<name>@<generation>.<random>.tmp`): until the
 * rewrite, the renamed file still holds the previous token, and crash recovery must never take that
 * for the newest one (see recover.ts).
 *
 * Resolves `false`, having changed nothing, when `previous` is not a file this can reuse: missing, or
 * not `reusable` (a private regular file with no other name). The caller then writes the usual way.
 */
export async function replaceReusingPrevious(
  path: string,
  previous: string,
  { text, generation }: { text: string; generation: string },
  reusable: (stats: Stats) => boolean,
): Promise<boolean> {
  const before = lstatSync(previous, { throwIfNoEntry: false });
  if (!before || !reusable(before)) return false;
  const temp = tempPathFor(path, generation);
  try {
    await rename(previous, temp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const fd = openReused(temp, before, reusable);
  if (fd === undefined) {
    // Replaced between the look and the rename: not ours to reuse; put it back.
    await rename(temp, previous);
    return false;
  }
  // `path` becomes `previous` while the new content is written and synced.
  const keeping = link(path, previous);
  keeping.catch(() => undefined); // awaited by the commit; a failed write must not leave it unhandled
  await commitTempFile(fd, temp, path, text, { beforeRename: keeping });
  return true;
}

/** The renamed file, open for writing, when it is still the file judged reusable. */
function openReused(temp: string, before: Stats, reusable: (stats: Stats) => boolean): number | undefined {
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined; // a symbolic link, or no longer there
  }
  const after = fstatSync(fd);
  if (after.dev === before.dev && after.ino === before.ino && reusable(after)) return fd;
  closeSync(fd);
  return undefined;
}
