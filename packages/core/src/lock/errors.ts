import { PartnerdError } from "../errors.ts";
import type { LockOwner } from "./contract.ts";

export function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} on ${owner.host} (${owner.command}), since ${owner.since}`;
}

/** A live process holds the lock and did not let go within the wait. */
export class LockBusyError extends PartnerdError {
  readonly owner: LockOwner | undefined;

  constructor(what: string, owner: LockOwner | undefined, waitedMs: number) {
    const holder = owner ? describeOwner(owner) : "another process";
    const waited = waitedMs > 0 ? ` after waiting ${Math.round(waitedMs / 100) / 10} s` : "";
    super("LOCK_BUSY", `${what} is locked by ${holder}${waited}`);
    this.owner = owner;
  }
}

/** The lock file was replaced under its holder: the holder must not redeem or write. */
export class LockLostError extends PartnerdError {
  constructor(what: string) {
    super("LOCK_LOST", `${what}: the lock was taken over by another process; nothing was redeemed`);
  }
}
