import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";

/** Bumped only on breaking changes to `SecretStore`; plugins declare the version they implement. */
export const STORE_API_VERSION = 1;

export interface StoredSecret {
  value: string;
  /** Store-specific version id (file generation, Key Vault version, Secrets Manager VersionId). */
  version: string;
  updatedAt?: Date;
}

/** What partnerd knows about a refresh token it writes; stores may keep it as tags or a side file. */
export interface SecretMetadata {
  profile: string;
  fingerprint: string;
  refreshedAt: Date;
  /** When the token dies if nobody redeems it (Entra: 90 days after issue). */
  expiresByInactivityAt: Date;
  /**
   * The profile allows overwriting a secret that partnerd did not create. Stores that mark what they
   * own (Key Vault's `managed-by` tag) refuse such a write unless this is true.
   */
  takeover?: boolean;
}

export interface StoreCapabilities {
  /** `put` keeps earlier values retrievable. */
  versions: boolean;
  /** `put` records `SecretMetadata` next to the value. */
  tags: boolean;
  /** Deleted names are reserved until purged (Key Vault). */
  softDelete: boolean;
  /**
   * The backend's advice on how often one secret may be written (AWS Secrets Manager: 600).
   * `partnerd validate` warns when a profile's schedule writes more often.
   */
  minWriteIntervalSeconds?: number;
  /**
   * `put` resolves only once the value is on this machine's stable storage exactly as given, and a `put`
   * cut short by a crash is completed or dropped whole the next time the store is opened (the file store:
   * temp file, fsync, rename, fsync folder; a complete temp file newer than the secret is renamed into
   * place on open, and by `recover`). When such a store is a profile's only location, its write is the
   * first durable copy of a redeemed token: the engine writes it without journaling the token first and
   * without reading it back, and falls back to the journal when the write fails.
   */
  durableWrites?: boolean;
}

export interface SecretStore {
  readonly capabilities: StoreCapabilities;
  /** Resolves `null` when the secret does not exist; rejects on any failure to find out. */
  get(name: string): Promise<StoredSecret | null>;
  /** Durably stores `value` and resolves with the new version id. */
  put(name: string, value: string, metadata: SecretMetadata): Promise<{ version: string }>;
  /**
   * Completes (or drops whole) a `put` of `name` that a crash cut short. A `durableWrites` store has
   * this: the engine calls it, under the profile's lock and before reading, when the lock's previous
   * holder died holding it, so that a process opened before that crash does not redeem the token the
   * interrupted write replaced.
   */
  recover?(name: string): Promise<void>;
  /** Releases clients and timers. Must be idempotent. */
  close?(): Promise<void>;
}

export interface StoreContext {
  /** The key under `stores:` in the config, for messages. */
  storeId: string;
  /** Folder of the config file; relative paths in options resolve from here. */
  configDir: string;
  /** partnerd's state folder (journal, status, embedded default store). */
  stateDir: string;
  logger: Logger;
  /**
   * Reads a secret named in the store's own options (`{ env: NAME }` or `{ file: PATH }`, relative to
   * the config file), e.g. the client secret a vault store signs in with. `optionPath` is the key
   * inside `options` (`credential.clientSecret`), used to locate problems in the config file.
   */
  resolveSecret(reference: unknown, optionPath: string): Promise<Secret>;
  /**
   * Environment variables partnerd read a secret from (`{ env: NAME }`), live: a plugin that starts a
   * program must not pass these to it. Absent in contexts built by older cores.
   */
  secretEnvironmentNames?: ReadonlySet<string>;
}

/** The default export of a store package named by `use:` in the config. */
export interface StorePlugin {
  apiVersion: typeof STORE_API_VERSION;
  /** Short name used in messages, e.g. "file". */
  name: string;
  /** Validates `options` (throwing `StoreOptionsError` with the offending key) and builds the store. */
  create(options: Record<string, unknown>, context: StoreContext): SecretStore | Promise<SecretStore>;
  /**
   * Checks `options` as `create` would, without touching the backend: no folders made, no network.
   * `partnerd validate` calls it; a plugin without it has its options checked only when opened.
   */
  checkOptions?(options: Record<string, unknown>, context: StoreContext): void | Promise<void>;
  /** Capabilities every store of this plugin has, known before one is opened (for `partnerd validate`). */
  capabilities?: Partial<StoreCapabilities>;
  /**
   * JSON Schema of `options`, for editor completion: `partnerd schema` puts it under `stores.<id>.options`
   * when `use:` names this plugin as a built-in. `create`/`checkOptions` still do the real checking.
   */
  optionsSchema?: Record<string, unknown>;
}

export function defineStore(plugin: StorePlugin): StorePlugin {
  return plugin;
}

/**
 * Stores `use:` can name without a package: the plugin, or a function that imports it on first use
 * (so a config that never names a store never loads its SDK).
 */
export type BuiltinStores = Readonly<Record<string, StorePlugin | (() => Promise<StorePlugin>)>>;

/**
 * The JSON Schema of a secret given by reference in a plugin's options (`{ env: NAME }` or
 * `{ file: PATH }`, resolved with `StoreContext.resolveSecret`), for a plugin's `optionsSchema`.
 */
export const OPTION_SECRET_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  description: "By reference: { env: NAME } or { file: PATH } (relative to the config file).",
  oneOf: [
    {
      type: "object",
      properties: { env: { type: "string" } },
      required: ["env"],
      additionalProperties: false,
    },
    {
      type: "object",
      properties: { file: { type: "string" } },
      required: ["file"],
      additionalProperties: false,
    },
  ],
};
