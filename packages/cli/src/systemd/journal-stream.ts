import { fstatSync } from "node:fs";

/**
 * True when `fd` is the journal stream systemd connected (its `JOURNAL_STREAM` is `device:inode` of
 * that stream): a redirected stdout under the same unit inherits the variable but is not the journal.
 */
export function isJournalStream(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const [device, inode] = env.JOURNAL_STREAM?.split(":") ?? [];
  if (!device || !inode) return false;
  try {
    const stat = fstatSync(fd, { bigint: true });
    return stat.dev === BigInt(device) && stat.ino === BigInt(inode);
  } catch {
    return false;
  }
}
