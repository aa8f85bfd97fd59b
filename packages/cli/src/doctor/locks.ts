import {
  DAEMON_LOCK_KEY,
  FileLocks,
  type LockOwner,
  type PartnerdConfig,
  type ProfileConfig,
  profileLocksDir,
} from "@partnerd/core";
import { type CheckResult, messageOf, pass, warn } from "./check.ts";

/** Who holds the state folder (the daemon) and each profile's lock now; a dead holder's file counts as free. */
export async function checkLocks(config: PartnerdConfig, profiles: ProfileConfig[]): Promise<CheckResult[]> {
  const describe = (owner: LockOwner | undefined) =>
    owner ? `held by pid ${owner.pid} (${owner.command}) since ${owner.since}` : "free";
  try {
    const daemon = await new FileLocks(config.stateDir, "partnerd doctor").holder(DAEMON_LOCK_KEY);
    const locks = new FileLocks(profileLocksDir(config.stateDir), "partnerd doctor");
    const results = [
      pass(
        "daemon lock",
        daemon ? `partnerd run: ${describe(daemon)}` : "no partnerd run owns the state folder",
      ),
    ];
    for (const profile of profiles) {
      results.push(pass(`lock ${profile.name}`, describe(await locks.holder(profile.name))));
    }
    return results;
  } catch (error) {
    return [warn("locks", `cannot read the lock files: ${messageOf(error)}`)];
  }
}
