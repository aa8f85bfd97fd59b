import { randomBytes, randomUUID } from "node:crypto";
import { awsErrors } from "./errors.ts";
import type { SecretsManagerSecretSnapshot } from "./types.ts";

export const CURRENT = "AWSCURRENT";
export const PREVIOUS = "AWSPREVIOUS";
const DAY_MS = 24 * 60 * 60 * 1000;

export interface VersionRecord {
  versionId: string;
  /** Staging labels in the order they were attached. */
  stages: string[];
  createdMs: number;
  value: string | undefined;
  binary: Buffer | undefined;
}

export interface SecretRecord {
  name: string;
  arn: string;
  description: string | undefined;
  kmsKeyId: string | undefined;
  tags: Map<string, string>;
  createdMs: number;
  lastChangedMs: number;
  lastAccessedMs: number | undefined;
  /** Set while scheduled for deletion. */
  deletedMs: number | undefined;
  /** When a scheduled deletion becomes final. */
  purgeAtMs: number | undefined;
  /** Insertion order = creation order. */
  versions: Map<string, VersionRecord>;
}

/** A secret value as sent: exactly one of the two, or neither (a secret without a version). */
export interface SecretPayload {
  value?: string | undefined;
  binary?: Buffer | undefined;
}

/**
 * The secrets and their versions, with AWS's rules for staging labels, idempotency tokens and
 * scheduled deletion. Pure in-memory state; methods throw `AwsError`.
 */
export class SecretsManagerState {
  readonly region: string;
  readonly accountId: string;
  readonly maxVersions: number;
  readonly now: () => number;
  readonly #secrets = new Map<string, SecretRecord>();

  constructor(opts: { region: string; accountId: string; maxVersions: number; now: () => number }) {
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.maxVersions = opts.maxVersions;
    this.now = opts.now;
  }

  createSecret(input: {
    name: string;
    token: string;
    payload: SecretPayload;
    description?: string | undefined;
    kmsKeyId?: string | undefined;
    tags: ReadonlyMap<string, string>;
  }): { secret: SecretRecord; version: VersionRecord | undefined } {
    const existing = this.#lookup(input.name);
    if (existing) {
      if (existing.deletedMs !== undefined) throw awsErrors.createWhileScheduled();
      // A retried CreateSecret (same token, same value) is answered like the first one.
      const version = existing.versions.get(input.token);
      if (version && samePayload(version, input.payload)) return { secret: existing, version };
      throw awsErrors.secretExists(input.name);
    }
    const now = this.now();
    const secret: SecretRecord = {
      name: input.name,
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.name}-${arnSuffix()}`,
      description: input.description,
      kmsKeyId: input.kmsKeyId,
      tags: new Map(input.tags),
      createdMs: now,
      lastChangedMs: now,
      lastAccessedMs: undefined,
      deletedMs: undefined,
      purgeAtMs: undefined,
      versions: new Map(),
    };
    this.#secrets.set(secret.name, secret);
    const version = hasPayload(input.payload)
      ? this.#addVersion(secret, input.token, input.payload, [CURRENT])
      : undefined;
    return { secret, version };
  }

  putSecretValue(input: {
    secretId: string;
    token: string;
    payload: SecretPayload;
    stages: readonly string[];
  }): { secret: SecretRecord; version: VersionRecord } {
    const secret = this.#live(input.secretId);
    const existing = secret.versions.get(input.token);
    if (existing) {
      // Idempotent retry: nothing changes, the existing version (and its labels, whatever they are now) is returned.
      if (samePayload(existing, input.payload)) return { secret, version: existing };
      throw awsErrors.versionExists();
    }
    return { secret, version: this.#addVersion(secret, input.token, input.payload, input.stages) };
  }

  getSecretValue(input: { secretId: string; versionId?: string | undefined; stage?: string | undefined }): {
    secret: SecretRecord;
    version: VersionRecord;
  } {
    const secret = this.#live(input.secretId);
    let version: VersionRecord | undefined;
    if (input.versionId !== undefined) {
      version = secret.versions.get(input.versionId);
      if (!version) throw awsErrors.versionNotFound(`VersionId: ${input.versionId}`);
      if (input.stage !== undefined && !version.stages.includes(input.stage)) {
        throw awsErrors.invalidRequest(
          "You provided a VersionStage that is not associated to the provided VersionId.",
        );
      }
    } else {
      const stage = input.stage ?? CURRENT;
      version = [...secret.versions.values()].find((v) => v.stages.includes(stage));
      if (!version) throw awsErrors.versionNotFound(`staging label: ${stage}`);
    }
    const now = this.now();
    secret.lastAccessedMs = now - (now % DAY_MS); // AWS keeps the date only
    return { secret, version };
  }

  describe(secretId: string): SecretRecord {
    return this.#resolve(secretId);
  }

  deleteSecret(input: { secretId: string; recoveryWindowInDays?: number | undefined; force: boolean }): {
    secret: SecretRecord;
    deletionMs: number;
  } {
    const secret = this.#live(input.secretId);
    const now = this.now();
    if (input.force) {
      this.#secrets.delete(secret.name);
      return { secret, deletionMs: now };
    }
    secret.deletedMs = now;
    secret.purgeAtMs = now + (input.recoveryWindowInDays ?? 30) * DAY_MS;
    return { secret, deletionMs: secret.purgeAtMs };
  }

  restoreSecret(secretId: string): SecretRecord {
    const secret = this.#resolve(secretId);
    secret.deletedMs = undefined;
    secret.purgeAtMs = undefined;
    return secret;
  }

  tagResource(secretId: string, tags: ReadonlyMap<string, string>): void {
    const secret = this.#live(secretId);
    for (const [key, value] of tags) secret.tags.set(key, value);
    if (secret.tags.size > 50) {
      for (const key of tags.keys()) secret.tags.delete(key);
      throw awsErrors.limitExceeded(
        "The request failed because it would exceed one of the Secrets Manager quotas.",
      );
    }
    secret.lastChangedMs = this.now();
  }

  untagResource(secretId: string, keys: readonly string[]): void {
    const secret = this.#live(secretId);
    for (const key of keys) secret.tags.delete(key);
    secret.lastChangedMs = this.now();
  }

  listVersions(
    secretId: string,
    includeDeprecated: boolean,
  ): { secret: SecretRecord; versions: VersionRecord[] } {
    const secret = this.#resolve(secretId);
    const versions = [...secret.versions.values()].filter((v) => includeDeprecated || v.stages.length > 0);
    return { secret, versions };
  }

  /** A deep copy for assertions; `undefined` when no secret has this name (or ARN). */
  snapshot(secretId: string): SecretsManagerSecretSnapshot | undefined {
    const secret = this.#lookup(secretId);
    if (!secret) return undefined;
    const versions = [...secret.versions.values()].map((v) => ({
      versionId: v.versionId,
      stages: [...v.stages],
      createdDate: new Date(v.createdMs),
      value: v.value,
      binary: v.binary ? new Uint8Array(v.binary) : undefined,
    }));
    return {
      name: secret.name,
      arn: secret.arn,
      description: secret.description,
      kmsKeyId: secret.kmsKeyId,
      tags: Object.fromEntries(secret.tags),
      createdDate: new Date(secret.createdMs),
      lastChangedDate: new Date(secret.lastChangedMs),
      deletedDate: secret.deletedMs === undefined ? undefined : new Date(secret.deletedMs),
      value: versions.find((v) => v.stages.includes(CURRENT))?.value,
      versions,
    };
  }

  /** Names of every secret, including those scheduled for deletion. */
  names(): string[] {
    this.#purgeExpired();
    return [...this.#secrets.keys()];
  }

  // --- Internal helpers ---

  #addVersion(
    secret: SecretRecord,
    versionId: string,
    payload: SecretPayload,
    stages: readonly string[],
  ): VersionRecord {
    const now = this.now();
    this.#makeRoomForVersion(secret, now);
    const version: VersionRecord = {
      versionId,
      stages: [],
      createdMs: now,
      value: payload.value,
      binary: payload.binary,
    };
    secret.versions.set(versionId, version);
    for (const stage of stages) this.#moveStage(secret, stage, version);
    secret.lastChangedMs = now;
    return version;
  }

  /** Moves `stage` to `target`; moving AWSCURRENT relabels the version that had it AWSPREVIOUS. */
  #moveStage(secret: SecretRecord, stage: string, target: VersionRecord): void {
    for (const version of secret.versions.values()) {
      if (version === target || !version.stages.includes(stage)) continue;
      version.stages = version.stages.filter((s) => s !== stage);
      if (stage === CURRENT) this.#moveStage(secret, PREVIOUS, version);
    }
    if (!target.stages.includes(stage)) target.stages.push(stage);
  }

  /** AWS prunes unlabelled versions only when they are older than 24 hours; otherwise the quota bites. */
  #makeRoomForVersion(secret: SecretRecord, now: number): void {
    if (secret.versions.size < this.maxVersions) return;
    for (const version of [...secret.versions.values()]) {
      if (secret.versions.size < this.maxVersions) return;
      if (version.stages.length === 0 && now - version.createdMs > DAY_MS)
        secret.versions.delete(version.versionId);
    }
    if (secret.versions.size >= this.maxVersions) {
      throw awsErrors.limitExceeded(
        `You can't create more than ${this.maxVersions} versions of a secret; versions younger than 24 hours ` +
          "are not removed. Write less often (at most once every 10 minutes).",
      );
    }
  }

  /** The secret, not scheduled for deletion. */
  #live(secretId: string): SecretRecord {
    const secret = this.#resolve(secretId);
    if (secret.deletedMs !== undefined) throw awsErrors.markedForDeletion();
    return secret;
  }

  #resolve(secretId: string): SecretRecord {
    const secret = this.#lookup(secretId);
    if (!secret) throw awsErrors.secretNotFound();
    return secret;
  }

  /** By name or full ARN. */
  #lookup(secretId: string): SecretRecord | undefined {
    this.#purgeExpired();
    const byName = this.#secrets.get(secretId);
    if (byName) return byName;
    if (!secretId.startsWith("arn:")) return undefined;
    return [...this.#secrets.values()].find((s) => s.arn === secretId);
  }

  #purgeExpired(): void {
    const now = this.now();
    for (const [name, secret] of this.#secrets) {
      if (secret.purgeAtMs !== undefined && secret.purgeAtMs <= now) this.#secrets.delete(name);
    }
  }
}

function hasPayload(payload: SecretPayload): boolean {
  return payload.value !== undefined || payload.binary !== undefined;
}

function samePayload(version: VersionRecord, payload: SecretPayload): boolean {
  if (version.value !== payload.value) return false;
  if (version.binary === undefined || payload.binary === undefined) return version.binary === payload.binary;
  return version.binary.equals(payload.binary);
}

/** The six random characters AWS appends to a secret's name in its ARN. */
function arnSuffix(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** A fresh VersionId when the caller sent no `ClientRequestToken`. */
export function newVersionId(): string {
  return randomUUID();
}
