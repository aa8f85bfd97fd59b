import { randomBytes } from "node:crypto";
import type {
  KeyVaultFailNextOptions,
  KeyVaultOperation,
  KeyVaultRequestRecord,
  KeyVaultSecretVersion,
} from "./types.ts";

/** Soft-deleted secrets stay recoverable this long (Key Vault's default retention). */
export const RECOVERABLE_DAYS = 90;

/** Mutable form of one version. */
export interface VersionRecord {
  version: string;
  value: string;
  contentType: string | undefined;
  tags: Record<string, string>;
  enabled: boolean;
  notBefore: Date | undefined;
  expires: Date | undefined;
  created: Date;
  updated: Date;
}

/** A secret name and all its versions (oldest first), live, soft-deleted or being recovered. */
export interface SecretRecord {
  /** The spelling of the first write; lookups are case-insensitive like Key Vault's. */
  name: string;
  versions: VersionRecord[];
  deleted: { deletedDate: Date; scheduledPurgeDate: Date } | undefined;
  /** Set while a recovery is under way (see `recoveryDelayMs`). */
  recovering: boolean;
}

/** What a write carries (value and optional properties). */
export interface VersionInput {
  value: string;
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  notBefore?: Date | undefined;
  expires?: Date | undefined;
}

/**
 * Everything the fake knows: secrets with their versions, soft-deleted names, recoveries under way,
 * switches (injected failures, denied permissions, latency) and the request log. Pure in-memory state;
 * the HTTP layer and routes operate on it.
 */
export class VaultState {
  latencyMs = 0;
  recoveryDelayMs = 0;
  readonly requests: KeyVaultRequestRecord[] = [];

  readonly #secrets = new Map<string, SecretRecord>();
  readonly #failures: KeyVaultFailNextOptions[] = [];
  /** Operation → denied principals; `"*"` denies everyone. */
  readonly #denied = new Map<KeyVaultOperation, Set<string>>();
  readonly #timers = new Set<NodeJS.Timeout>();

  // ---- secrets ---------------------------------------------------------------------------------------------

  /** Any record under `name` (live, deleted or recovering). */
  record(name: string): SecretRecord | undefined {
    return this.#secrets.get(name.toLowerCase());
  }

  /** The record when the secret is live (not deleted, not being recovered) and has a version. */
  live(name: string): SecretRecord | undefined {
    const record = this.record(name);
    return record && !record.deleted && !record.recovering && record.versions.length > 0 ? record : undefined;
  }

  /** Adds a version to a live or new name. The caller checks for deleted/recovering names first. */
  addVersion(name: string, input: VersionInput, now = new Date()): VersionRecord {
    const key = name.toLowerCase();
    let record = this.#secrets.get(key);
    if (!record) {
      record = { name, versions: [], deleted: undefined, recovering: false };
      this.#secrets.set(key, record);
    }
    const version: VersionRecord = {
      version: randomBytes(16).toString("hex"),
      value: input.value,
      contentType: input.contentType,
      tags: { ...input.tags },
      enabled: input.enabled ?? true,
      notBefore: input.notBefore,
      expires: input.expires,
      created: now,
      updated: now,
    };
    record.versions.push(version);
    return version;
  }

  /** Marks a live secret soft-deleted; false when there is no live secret of that name. */
  softDelete(name: string, now = new Date()): SecretRecord | undefined {
    const record = this.live(name);
    if (!record) return undefined;
    record.deleted = {
      deletedDate: now,
      scheduledPurgeDate: new Date(now.getTime() + RECOVERABLE_DAYS * 86_400_000),
    };
    return record;
  }

  /** Starts recovering a soft-deleted secret; it is live again after `recoveryDelayMs`. */
  recover(name: string): SecretRecord | undefined {
    const record = this.record(name);
    if (!record?.deleted) return undefined;
    record.deleted = undefined;
    if (this.recoveryDelayMs <= 0) return record;
    record.recovering = true;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      record.recovering = false;
    }, this.recoveryDelayMs);
    timer.unref();
    this.#timers.add(timer);
    return record;
  }

  /** Removes a soft-deleted secret for good; false when it is not soft-deleted. */
  purge(name: string): boolean {
    const record = this.record(name);
    if (!record?.deleted) return false;
    this.#secrets.delete(name.toLowerCase());
    return true;
  }

  /** Live secrets, newest version of each, in insertion order. */
  liveRecords(): SecretRecord[] {
    return [...this.#secrets.values()].filter((r) => this.live(r.name) !== undefined);
  }

  // ---- switches --------------------------------------------------------------------------------------------

  failNext(count: number, opts: KeyVaultFailNextOptions): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new Error("FakeKeyVault.failNext: count must be an integer ≥ 0");
    }
    for (let i = 0; i < count; i++) this.#failures.push({ ...opts });
  }

  takeFailure(): KeyVaultFailNextOptions | undefined {
    return this.#failures.shift();
  }

  deny(operation: KeyVaultOperation, principal = "*"): void {
    let principals = this.#denied.get(operation);
    if (!principals) {
      principals = new Set();
      this.#denied.set(operation, principals);
    }
    principals.add(principal);
  }

  /** Lifts denials: of one operation, or all when omitted. */
  allow(operation?: KeyVaultOperation): void {
    if (operation === undefined) this.#denied.clear();
    else this.#denied.delete(operation);
  }

  isDenied(operation: KeyVaultOperation, caller: { appid: string; oid: string }): boolean {
    const principals = this.#denied.get(operation);
    if (!principals) return false;
    return principals.has("*") || principals.has(caller.appid) || principals.has(caller.oid);
  }

  /** Cancels recovery timers (recoveries under way complete at once). */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const record of this.#secrets.values()) record.recovering = false;
  }
}

/** An immutable copy of a version for callers of the fake. */
export function viewOf(version: VersionRecord): KeyVaultSecretVersion {
  return {
    version: version.version,
    value: version.value,
    contentType: version.contentType,
    tags: Object.freeze({ ...version.tags }),
    enabled: version.enabled,
    created: version.created,
    updated: version.updated,
  };
}
