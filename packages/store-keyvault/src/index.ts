import { access, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as tls from "node:tls";
import type { TokenCredential } from "@azure/identity";
import { type KeyVaultSecret, SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import {
  defineStore,
  KeyedQueue,
  type Logger,
  type SecretMetadata,
  type SecretStore,
  STORE_API_VERSION,
  type StoreCapabilities,
  type StoreContext,
  type StoredSecret,
  StoreError,
} from "@partnerd/core/plugin";
import { buildCredential, type CommonClientOptions, type ResolvedCredential } from "./credential.ts";
import { type FailureContext, type Permission, statusOf, toStoreError } from "./errors.ts";
import { type KeyVaultStoreOptions, optionsError, type ParsedOptions, parseOptions } from "./options.ts";

export { authorityHostForVault } from "./credential.ts";
export type {
  KeyVaultCredentialOptions,
  KeyVaultRecoveryOptions,
  KeyVaultRetryOptions,
  KeyVaultStoreOptions,
} from "./options.ts";

import { keyVaultOptionsSchema } from "./options-schema.ts";

export { DEFAULT_CONTENT_TYPE } from "./options.ts";

export const STORE_NAME = "keyvault";

/** The ownership tag: partnerd overwrites only secrets that carry it, unless the profile says `takeover: true`. */
export const MANAGED_BY_TAG = "managed-by";
export const MANAGED_BY_VALUE = "partnerd";

/** Key Vault secret names: 1–127 letters, digits and dashes. */
export const SECRET_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

/** Tags partnerd writes on every version; other tags on the current version are carried over. */
export const PARTNERD_TAGS = [
  MANAGED_BY_TAG,
  "profile",
  "fingerprint",
  "refreshed-at",
  "expires-by-inactivity-at",
] as const;

export interface KeyVaultStore extends SecretStore {
  /** The vault URL (origin). */
  readonly vaultUrl: string;
  /** Waits for writes under way and drops the SDK client. Idempotent. */
  close(): Promise<void>;
}

const CAPABILITIES: StoreCapabilities = Object.freeze({ versions: true, tags: true, softDelete: true });
/** Key Vault allows 15 tags per secret; 256 characters per value. */
const MAX_TAGS = 15;
const MAX_TAG_VALUE_LENGTH = 256;
const MAX_POLL_INTERVAL_MS = 8000;
/** The SDK's `retryOptions.maxRetries` default, for messages. */
const SDK_DEFAULT_MAX_RETRIES = 3;

/**
 * Builds a Key Vault store. `options` are validated as if they came from the config (`StoreOptionsError`
 * naming the key); `caFile` is read and `credential.clientSecret` resolved now, so that a broken
 * config fails at start. The SDK client is created on first use.
 */
export async function createKeyVaultStore(
  options: KeyVaultStoreOptions | Record<string, unknown>,
  context: StoreContext,
): Promise<KeyVaultStore> {
  const storeId = context.storeId;
  const logger: Logger = context.logger;
  const parsed = parseOptions({ ...options } as Record<string, unknown>, storeId);
  const { vaultUrl, contentType, recovery } = parsed;
  const common = await _commonClientOptions(parsed, context);
  const credential = await _resolveCredential(parsed, context);
  const maxRetries = parsed.retry.maxRetries ?? SDK_DEFAULT_MAX_RETRIES;
  const clientOptions: SecretClientOptions = {
    ...common,
    disableChallengeResourceVerification: !parsed.verifyChallengeResource,
  };

  let client: SecretClient | undefined;
  let tokenCredential: TokenCredential | undefined;
  const getClient = (): SecretClient => {
    tokenCredential ??= buildCredential(credential, vaultUrl, common);
    client ??= new SecretClient(vaultUrl, tokenCredential, clientOptions);
    return client;
  };

  const queue = new KeyedQueue();
  /** Runs `task` after every earlier task for `name` (case-insensitive, like Key Vault names). */
  const serialize = <T>(name: string, task: () => Promise<T>): Promise<T> =>
    queue.run(name.toLowerCase(), task);

  const failure = (
    name: string | undefined,
    action: string,
    permission: Permission,
    role: FailureContext["role"],
    value?: string,
  ) => {
    const ctx: FailureContext = { storeId, vaultUrl, name, action, permission, role, maxRetries };
    return (error: unknown): never => {
      throw toStoreError(value === undefined ? ctx : { ...ctx, value }, error);
    };
  };

  /** The newest version, or `null` on 404 (missing, or soft-deleted). */
  const readLatest = async (name: string, action: string, role: FailureContext["role"]) => {
    try {
      return await getClient().getSecret(name);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      return failure(name, action, "get", role)(error);
    }
  };

  /** The soft-deleted secret, or `null` when the name is not soft-deleted (404). */
  const readDeleted = async (name: string) => {
    try {
      return await getClient().getDeletedSecret(name);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      return failure(name, "read the soft-deleted secret", "get", "Key Vault Secrets Officer")(error);
    }
  };

  /** Starts recovery and waits (bounded) until the secret reads again. */
  const recover = async (name: string, deadline: number): Promise<void> => {
    const fail = failure(name, "recover the soft-deleted secret", "recover", "Key Vault Secrets Officer");
    let poller: Awaited<ReturnType<SecretClient["beginRecoverDeletedSecret"]>>;
    try {
      poller = await getClient().beginRecoverDeletedSecret(name, { intervalInMs: recovery.pollIntervalMs });
    } catch (error) {
      if (statusOf(error) === 404) return; // recovered or purged meanwhile; the write loop finds out which
      return fail(error);
    }
    let wait = recovery.pollIntervalMs;
    while (!poller.isDone()) {
      if (Date.now() + wait > deadline) {
        throw new StoreError(
          storeId,
          name,
          `Key Vault is still recovering the soft-deleted secret after ${recovery.timeoutSeconds} s; the write will be tried again (raise recovery.timeoutSeconds if this repeats)`,
        );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, MAX_POLL_INTERVAL_MS);
      try {
        await poller.poll();
      } catch (error) {
        return fail(error);
      }
    }
  };

  /**
   * After a 404 on read: recovers the name when it is a soft-deleted secret partnerd wrote, and reads it
   * again. `null` when there is nothing (of ours) to recover, or when the identity may not look at
   * deleted secrets (a read-only "Key Vault Secrets User" gets 403 there).
   */
  const recoverForRead = async (name: string): Promise<KeyVaultSecret | null> => {
    const again = await readLatest(name, "read it", "Key Vault Secrets User");
    if (again !== null) return again; // a write queued before this one brought it back
    let deleted: Awaited<ReturnType<typeof readDeleted>>;
    try {
      deleted = await readDeleted(name);
    } catch (error) {
      if (statusOf((error as StoreError).cause) === 403) return null;
      throw error;
    }
    if (deleted?.properties.tags?.[MANAGED_BY_TAG] !== MANAGED_BY_VALUE) return null;
    await recover(name, Date.now() + recovery.timeoutSeconds * 1000);
    logger.warn("keyvault store: recovered a soft-deleted secret partnerd had written", { secret: name });
    return readLatest(name, "read it", "Key Vault Secrets User");
  };

  /** Names this store wrote (lower-cased, as Key Vault compares them), with the tags written. */
  const written = new Map<string, Record<string, string>>();

  const write = async (
    name: string,
    value: string,
    metadata: SecretMetadata,
  ): Promise<{ version: string }> => {
    // The ownership check reads the secret before its first write by this store; later writes of a
    // name it wrote itself skip that read (one request per write instead of two).
    const ours = written.get(name.toLowerCase());
    let tags: Record<string, string>;
    if (ours) {
      tags = _tags(ours, metadata);
    } else {
      const current = await readLatest(name, "read it before writing", "Key Vault Secrets Officer");
      if (current) _checkOwnership(storeId, name, current.properties.tags, metadata, "secret", logger);
      tags = _tags(current?.properties.tags, metadata);
    }
    const deadline = Date.now() + recovery.timeoutSeconds * 1000;
    let wait = recovery.pollIntervalMs;
    const failWrite = failure(name, "write it", "set", "Key Vault Secrets Officer", value);
    for (;;) {
      try {
        const secret = await getClient().setSecret(name, value, { contentType, tags });
        written.set(name.toLowerCase(), tags);
        return { version: _versionOf(secret) };
      } catch (error) {
        if (statusOf(error) !== 409) return failWrite(error);
      }
      // 409: the name is soft-deleted (ObjectIsDeletedButRecoverable), or a deletion or recovery is still
      // under way. The SDK's RestError drops the inner error code, so ask the vault which it is.
      const deleted = await readDeleted(name);
      if (deleted) {
        _checkOwnership(storeId, name, deleted.properties.tags, metadata, "soft-deleted secret", logger);
        if (Date.now() + wait > deadline) {
          throw new StoreError(
            storeId,
            name,
            `cannot write it: the name stays soft-deleted after ${recovery.timeoutSeconds} s of recovering it; the write will be tried again`,
          );
        }
        await recover(name, deadline);
        logger.warn("keyvault store: recovering a soft-deleted secret before writing it", { secret: name });
        tags = _tags(deleted.properties.tags, metadata);
        // Back off before writing again: a recovery that returned at once may not be visible yet.
        await sleep(wait);
        wait = Math.min(wait * 2, 10_000);
        continue;
      }
      if (Date.now() + wait > deadline) {
        throw new StoreError(
          storeId,
          name,
          `cannot write it: Key Vault still answers 409 Conflict after ${recovery.timeoutSeconds} s (a deletion or recovery of this name is under way); the write will be tried again`,
        );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, MAX_POLL_INTERVAL_MS);
    }
  };

  return {
    vaultUrl,
    capabilities: CAPABILITIES,

    async get(name) {
      _checkName(storeId, name);
      const secret = await readLatest(name, "read it", "Key Vault Secrets User");
      if (secret !== null) return _stored(secret);
      // Missing, or soft-deleted: a soft-deleted token partnerd wrote is still a live token, and `null`
      // would make the engine ask for consent again. Bring it back instead.
      const recovered = await serialize(name, () => recoverForRead(name));
      return recovered === null ? null : _stored(recovered);
    },

    async put(name, value, metadata) {
      _checkName(storeId, name);
      if (typeof value !== "string") throw new StoreError(storeId, name, "put expects the value as a string");
      return serialize(name, () => write(name, value, metadata));
    },

    async close() {
      // Let writes under way finish: closing must never abandon a rotated token.
      await queue.idle();
      client = undefined;
      tokenCredential = undefined;
    },
  };
}

export default defineStore({
  apiVersion: STORE_API_VERSION,
  name: STORE_NAME,
  optionsSchema: keyVaultOptionsSchema,
  create(options: Record<string, unknown>, context: StoreContext) {
    return createKeyVaultStore(options, context);
  },
  checkOptions(options: Record<string, unknown>, context: StoreContext) {
    parseOptions(options, context.storeId);
  },
  capabilities: { versions: true, tags: true, softDelete: true },
});

// --- Internal helpers ---

function _checkName(storeId: string, name: string): void {
  if (typeof name === "string" && SECRET_NAME_PATTERN.test(name)) return;
  const shown = typeof name === "string" ? JSON.stringify(name) : typeof name;
  const suggestion =
    typeof name === "string"
      ? name
          .replace(/[._]/g, "-")
          .replace(/^-+|-+$/g, "")
          .slice(0, 127)
      : "";
  const hint =
    SECRET_NAME_PATTERN.test(suggestion) && suggestion !== name ? `; use "${suggestion}" instead` : "";
  throw new StoreError(
    storeId,
    undefined,
    `invalid secret name ${shown}: Key Vault names may contain only letters, digits and '-', 1 to 127 characters${hint}`,
  );
}

/** Refuses to replace a secret partnerd did not create, unless the profile allows `takeover`. */
function _checkOwnership(
  storeId: string,
  name: string,
  tags: Record<string, string> | undefined,
  metadata: SecretMetadata,
  what: "secret" | "soft-deleted secret",
  logger: Logger,
): void {
  if (tags?.[MANAGED_BY_TAG] === MANAGED_BY_VALUE) return;
  if (metadata?.takeover === true) {
    logger.warn("keyvault store: taking over a secret partnerd did not create (takeover: true)", {
      secret: name,
    });
    return;
  }
  throw new StoreError(
    storeId,
    name,
    `refuses to overwrite a ${what} that partnerd did not create (no "${MANAGED_BY_TAG}: ${MANAGED_BY_VALUE}" tag). ` +
      `If partnerd should own it, set "takeover: true" on the profile's refreshToken location` +
      (metadata?.profile ? ` (profiles.${metadata.profile}.refreshToken)` : "") +
      `; otherwise choose another secret name`,
  );
}

/** partnerd's tags, plus the other tags of the version being replaced (within Key Vault's 15). */
function _tags(
  existing: Record<string, string> | undefined,
  metadata: SecretMetadata,
): Record<string, string> {
  const ours: Record<string, string> = { [MANAGED_BY_TAG]: MANAGED_BY_VALUE };
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) ours[key] = value.slice(0, MAX_TAG_VALUE_LENGTH);
  };
  set("profile", typeof metadata?.profile === "string" ? metadata.profile : undefined);
  set("fingerprint", typeof metadata?.fingerprint === "string" ? metadata.fingerprint : undefined);
  set("refreshed-at", _iso(metadata?.refreshedAt));
  set("expires-by-inactivity-at", _iso(metadata?.expiresByInactivityAt));
  const kept = Object.entries(existing ?? {})
    .filter(([key]) => !(PARTNERD_TAGS as readonly string[]).includes(key))
    .slice(0, MAX_TAGS - PARTNERD_TAGS.length);
  return { ...Object.fromEntries(kept), ...ours };
}

function _iso(date: unknown): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

function _stored(secret: KeyVaultSecret): StoredSecret {
  const stored: StoredSecret = { value: secret.value ?? "", version: _versionOf(secret) };
  const updatedAt = secret.properties.updatedOn;
  return updatedAt instanceof Date && !Number.isNaN(updatedAt.getTime()) ? { ...stored, updatedAt } : stored;
}

/** The version id: the last segment of the secret's `id`. */
function _versionOf(secret: KeyVaultSecret): string {
  const version = secret.properties.version ?? secret.properties.id?.split("/").filter(Boolean).at(-1);
  if (!version) throw new Error("Key Vault returned a secret without a version id");
  return version;
}

/** TLS trust (the default CAs plus `caFile`) and retries, shared by the vault client and the credential. */
async function _commonClientOptions(
  parsed: ParsedOptions,
  context: StoreContext,
): Promise<CommonClientOptions> {
  const common: CommonClientOptions = {};
  if (Object.keys(parsed.retry).length > 0) common.retryOptions = { ...parsed.retry };
  if (parsed.caFile !== undefined) {
    const path = resolve(context.configDir, parsed.caFile);
    let pem: string;
    try {
      pem = await readFile(path, "utf8");
    } catch (error) {
      throw optionsError(context.storeId, "caFile", `cannot read the file (${_code(error)})`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw optionsError(context.storeId, "caFile", "the file holds no PEM certificate");
    }
    // A `ca` list replaces Node's trust store, so keep the default CAs (bundled + NODE_EXTRA_CA_CERTS).
    const defaults =
      // getCACertificates exists from Node 22.15; a named import would fail to load on 22.12-22.14.
      tls.getCACertificates?.("default") ?? tls.rootCertificates;
    // One TLS context for the store's life: a `ca` list in the options would be passed with every
    // request, and Node's agent builds its connection-pool key from it each time (~400 KB of text).
    const secureContext = tls.createSecureContext({ ca: [...defaults, pem] });
    common.tlsOptions = { secureContext } as CommonClientOptions["tlsOptions"];
  }
  return common;
}

async function _resolveCredential(parsed: ParsedOptions, context: StoreContext): Promise<ResolvedCredential> {
  const credential = parsed.credential;
  switch (credential.type) {
    case "client-secret": {
      const secret = await context.resolveSecret(credential.clientSecret, "credential.clientSecret");
      const { clientSecret: _reference, ...rest } = credential;
      return { ...rest, clientSecret: secret.reveal() };
    }
    case "certificate": {
      const certificatePath = resolve(context.configDir, credential.certificatePath);
      try {
        await access(certificatePath);
      } catch (error) {
        throw optionsError(
          context.storeId,
          "credential.certificatePath",
          `cannot read the file (${_code(error)})`,
        );
      }
      return { ...credential, certificatePath };
    }
    default:
      return credential;
  }
}

function _code(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "unknown error";
}

export { keyVaultOptionsSchema };
