import { dirname, sep } from "node:path";
import { type ProfileStatus, unwrittenStatus } from "./engine/status.ts";
import { readParsedStatus } from "./engine/status-file.ts";
import { statusFilePath } from "./state-paths.ts";

/** Files read between two yields to the event loop (a few milliseconds of reading). */
const BATCH = 500;

/**
 * Every named profile's status, for code that needs them all at once (the daemon's start, the hourly
 * expiry check), including what this process recorded and has not written yet. Read-only and uncached: a missing, unreadable or damaged file reads as `{}` (the
 * engine's `StatusBook` sets a damaged one aside at the profile's next run). The files are read
 * synchronously in batches: 10,000 small files take ~80 ms that way and ~500 ms through
 * `fs/promises` (an open, fstat, read and close round trip each), and the yields keep a running
 * daemon's sockets answering meanwhile.
 */
export async function readStatuses(
  stateDir: string,
  profiles: readonly string[],
): Promise<Map<string, ProfileStatus>> {
  const statuses = new Map<string, ProfileStatus>();
  const pathOf = statusPaths(stateDir);
  for (const [i, profile] of profiles.entries()) {
    if (i > 0 && i % BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    const path = pathOf(profile);
    const recorded = unwrittenStatus(path);
    if (recorded) {
      statuses.set(profile, recorded);
      continue;
    }
    statuses.set(profile, readStatusFile(path));
  }
  return statuses;
}

/**
 * `statusFilePath` for many profiles: the folder joined once, not per profile (a `join` normalizes the
 * whole path, ~1 µs). A name holding a separator still goes through `statusFilePath`.
 */
function statusPaths(stateDir: string): (profile: string) => string {
  const dir = dirname(statusFilePath(stateDir, "profile"));
  return (profile) =>
    /[\\/]/.test(profile) ? statusFilePath(stateDir, profile) : `${dir}${sep}${profile}.json`;
}

/** One profile's status, uncached (see {@link readStatuses}). */
export async function readStatus(stateDir: string, profile: string): Promise<ProfileStatus> {
  const path = statusFilePath(stateDir, profile);
  return unwrittenStatus(path) ?? readStatusFile(path);
}

/** The file's status; `{}` when it is missing, unreadable or damaged (read again if caught half rewritten). */
function readStatusFile(path: string): ProfileStatus {
  try {
    return readParsedStatus(path)?.status ?? {};
  } catch {
    return {};
  }
}
