import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** What identifies a process beyond its pid, which the kernel reuses. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Linux: the kernel's boot id; a lock from before a reboot is dead whatever its pid. */
  bootId?: string;
  /** Linux: the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTime?: string;
}

let current: { pid: number; identity: ProcessIdentity } | undefined;

/** This process's identity; read from /proc once (per pid: a forked child gets its own), not per lock. */
export function currentProcessIdentity(): ProcessIdentity {
  if (current?.pid === process.pid) return { ...current.identity };
  const identity: ProcessIdentity = { pid: process.pid, host: hostname() };
  const bootId = readBootId();
  const startTime = readStartTime(process.pid);
  if (bootId) identity.bootId = bootId;
  if (startTime) identity.startTime = startTime;
  current = { pid: process.pid, identity };
  return { ...identity };
}

/**
 * Whether the process that wrote `identity` may still be running. Another host's process cannot be
 * judged from here, so it counts as alive: a state folder shared between hosts needs a lease, not a file.
 */
export function mayBeAlive(identity: ProcessIdentity): boolean {
  if (identity.host !== hostname()) return true;
  const bootId = readBootId();
  if (identity.bootId && bootId && identity.bootId !== bootId) return false;
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (identity.startTime) {
    const startTime = readStartTime(identity.pid);
    if (startTime && startTime !== identity.startTime) return false; // the pid was reused
  }
  return true;
}

let bootIdCache: string | undefined | null = null;

function readBootId(): string | undefined {
  if (bootIdCache === null) bootIdCache = readText("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
  return bootIdCache;
}

function readStartTime(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) may hold spaces and parentheses; the fields after its closing one don't.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19]; // field 22 overall
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
