import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { writeAllAt } from "./fd.ts";

/** A file larger than any record partnerd rewrites (a stranger's, or damage) is not padded. */
const MAX_PADDED_BYTES = 64 * 1024;

/**
 * Writes `json` and a newline over the existing file at `path`, in one `write` at offset 0, padded with
 * spaces to the old length: the file never shrinks, so a reader never sees a shorter new text followed
 * by the old text's tail, and the padding is still valid JSON. Changes no folder (no new file, no
 * rename), which is why small records that change often use it; the price is atomicity: a reader can
 * catch the write half done (it reads again), and a crash can leave a mix (it reads as damaged).
 * Returns the text now in the file; `undefined` when there is no file that can be rewritten (missing, a
 * symbolic link, one this user may not write, e.g. left by a command run as root) or one too large to
 * pad: the caller then replaces it, as a new file, atomically.
 */
export function rewriteJsonInPlace(path: string, json: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP" || code === "EACCES" || code === "EPERM") return undefined;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_PADDED_BYTES) return undefined;
    const padding = size - Buffer.byteLength(json) - 1;
    // Before the final newline, so that the file still ends like a text file.
    const text = `${json}${padding > 0 ? " ".repeat(padding) : ""}\n`;
    writeAllAt(fd, text);
    return text;
  } finally {
    closeSync(fd);
  }
}
