import { closeSync, openSync, readFileSync, readSync } from "node:fs";

const buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * A small file's text, read synchronously into one reused buffer (open, read, close), or `undefined`
 * when it does not exist. For thousands of small state files (`status` at 10,000 profiles): ~7 µs per
 * file, where a promise-based read costs ~50 µs in thread-pool round trips. Larger files are read whole.
 */
export function readSmallFileSync(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    if (length < buffer.length) return buffer.toString("utf8", 0, length);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
