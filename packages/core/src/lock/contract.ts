/** Who holds a profile's lock: enough for a person to find the process and for a waiter to judge it. */
export interface LockOwner {
  pid: number;
  /** What the holder runs, e.g. `partnerd run` or `partnerd token pc`. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  host: string;
}

/** A lock this process holds until `release()`. */
export interface HeldLock {
  readonly owner: LockOwner;
  /**
   * The lock was taken over from a holder that died holding it: whatever that holder was writing may be
   * half done (see `SecretStore.recover`).
   */
  readonly previousHolderDied: boolean;
  /** Throws `LockLostError` when the lock is no longer this holder's (only a broken lock store does that). */
  verify(): Promise<void>;
  /** Idempotent. Never removes a lock that is no longer this holder's. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** How long to wait for a live holder; 0 fails at once. */
  waitMs: number;
  signal?: AbortSignal;
}

/**
 * Exactly one holder per key at a time, across processes. A holder that dies must not block forever,
 * and a live holder must never be robbed. The file lock is the built-in; a lease on a shared engine (a
 * blob lease, a Kubernetes Lease) can implement this contract to span several hosts.
 */
export interface Locks {
  /** Resolves once held; rejects with `LockBusyError` after `waitMs` while a live holder keeps it. */
  acquire(key: string, options: AcquireOptions): Promise<HeldLock>;
  /** The live holder of `key`, if any (a dead holder's leftover counts as free). */
  holder(key: string): Promise<LockOwner | undefined>;
  /** Releases what the implementation keeps between locks (files, timers); locks still held stay held. */
  close?(): Promise<void>;
}
