import { join } from "node:path";

/** The Unix socket `partnerd run` serves access tokens on. */
export function daemonSocketPath(stateDir: string): string {
  return join(stateDir, "partnerd.sock");
}

/** The folder of the file store partnerd adds when the config names no `default` store. */
export function embeddedSecretsDir(stateDir: string): string {
  return join(stateDir, "secrets");
}

/** Where the per-profile lock files live. */
export function profileLocksDir(stateDir: string): string {
  return join(stateDir, "locks");
}

/** The key, in the state folder itself, of the lock `partnerd run` holds for its whole life. */
export const DAEMON_LOCK_KEY = "daemon";

/** Where a profile's advisory status file is. */
export function statusFilePath(stateDir: string, profile: string): string {
  return join(stateDir, "status", `${profile}.json`);
}
