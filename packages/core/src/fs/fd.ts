import { fsync, open } from "node:fs";
import { promisify } from "node:util";

/**
 * `open` and `fsync` on plain file descriptors, off the main thread, for code that does the rest of a
 * small file's work synchronously (see `writeFileAtomic`). A `FileHandle` would have to be closed
 * through its own promise too.
 */
export const openFd = promisify(open);
export const fsyncFd = promisify(fsync);
