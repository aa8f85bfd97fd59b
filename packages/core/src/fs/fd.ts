import { fsync, open, writeSync } from "node:fs";
import { promisify } from "node:util";

/**
 * `open` and `fsync` on plain file descriptors, off the main thread, for code that does the rest of a
 * small file's work synchronously (see `writeFileAtomic`). A `FileHandle` would have to be closed
 * through its own promise too.
 */
export const openFd = promisify(open);
export const fsyncFd = promisify(fsync);

/** Writes all of `data` into `fd` from `position` on (a short write is carried on). */
export function writeAllAt(fd: number, data: string | Uint8Array, position = 0): number {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  for (let written = 0; written < bytes.byteLength; ) {
    written += writeSync(fd, bytes, written, bytes.byteLength - written, position + written);
  }
  return bytes.byteLength;
}
