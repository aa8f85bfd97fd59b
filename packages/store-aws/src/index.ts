import { createHash } from "node:crypto";
import type { DescribeSecretCommandOutput, SecretsManagerClient, Tag } from "@aws-sdk/client-secrets-manager";
import {
  defineStore,
  KeyedQueue,
  type Logger,
  type Secret,
  type SecretMetadata,
  type SecretStore,
  STORE_API_VERSION,
  type StoreCapabilities,
  type StoreContext,
  type StoredSecret,
  StoreError,
  silentLogger,
} from "@partnerd/core/plugin";
import { awsErrorName, deletedSecretError, type FailureContext, toStoreError } from "./errors.ts";
import {
  type AwsStoreOptions,
  NAME_CHARACTERS,
  type ParsedOptions,
  parseOptions,
  RETIRED_TAGS,
} from "./options.ts";
import { awsOptionsSchema } from "./options-schema.ts";

export type { AwsCredentialOptions, AwsStoreOptions, CredentialReference } from "./options.ts";
export { PARTNERD_TAGS, RETIRED_TAGS } from "./options.ts";

export const STORE_NAME = "aws";

/** The ownership tag: partnerd overwrites only secrets that carry it, unless the profile says `takeover: true`. */
export const MANAGED_BY_TAG = "managed-by";
export const MANAGED_BY_VALUE = "partnerd";
/** The profile whose refresh token the secret holds. */
export const PROFILE_TAG = "profile";

/** AWS's advice: write one secret at most once every 10 minutes (younger versions are never pruned). */
export const MIN_WRITE_INTERVAL_SECONDS = 600;

export interface AwsStore extends SecretStore {
  /** Waits for writes under way and destroys the SDK client. Idempotent. */
  close(): Promise<void>;
}

/** What `createAwsStore` needs from the engine's `StoreContext`; everything has a default. */
export interface AwsStoreContext {
  /** @default "aws" */
  storeId?: string;
  /** @default silentLogger */
  logger?: Logger;
  /** Reads `credentials.*` references; required when `credentials` is set. */
  resolveSecret?: StoreContext["resolveSecret"];
}

/**
 * `tags: false`: the secret is tagged with its owner and profile, and AWS records each version's
 * CreatedDate (the refresh time, `get`'s `updatedAt`), but the per-write metadata (fingerprint, expiry) is
 * not kept: Secrets Manager tags belong to the secret, and rewriting them cost a second request (and the
 * TagResource quota) on every write. partnerd's status and logs have it; see the README.
 */
const CAPABILITIES: StoreCapabilities = Object.freeze({
  versions: true,
  tags: false,
  softDelete: true,
  minWriteIntervalSeconds: MIN_WRITE_INTERVAL_SECONDS,
});
const CURRENT = "AWSCURRENT";
const MAX_NAME_LENGTH = 512;
const MAX_VALUE_BYTES = 65536;
/** How often one value may come back (A, B, A …) before `put` gives up; see `_clientRequestToken`. */
const MAX_REWRITES = 10;
/** Socket timeouts; the SDK's default is to wait forever. */
const CONNECTION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

type SdkModule = typeof import("@aws-sdk/client-secrets-manager");

/**
 * Builds a Secrets Manager store. `options` are validated as if they came from the config
 * (`StoreOptionsError` naming the key) and `credentials` are resolved now, so that a broken config
 * fails at start. The SDK is loaded and its client created on first use.
 */
export async function createAwsStore(
  options: AwsStoreOptions | Record<string, unknown>,
  context: AwsStoreContext = {},
): Promise<AwsStore> {
  const storeId = context.storeId ?? STORE_NAME;
  const logger = context.logger ?? silentLogger;
  const opts = parseOptions({ ...(options as Record<string, unknown>) }, storeId);
  const credentials = await _resolveCredentials(opts, context);
  const endpointOrigin = opts.endpoint === undefined ? undefined : new URL(opts.endpoint).origin;

  let sdk: Promise<{ lib: SdkModule; client: SecretsManagerClient }> | undefined;
  /** Set by `close()`: no new `get`/`put`; the ones under way finish. */
  let closed: Promise<void> | undefined;
  let destroyed = false;
  /** Full names known to carry partnerd's ownership tag (DescribeSecret once per name). */
  const owned = new Set<string>();
  /** The tags DescribeSecret showed, for `tidyTags` after the next write of that name. */
  const untidy = new Map<string, Tag[]>();
  const queue = new KeyedQueue();
  /** Reads under way (never rejecting), so that `close()` does not destroy the client under them. */
  const reads = new Set<Promise<void>>();

  const getSdk = () =>
    (sdk ??= (async () => {
      const [lib, { NodeHttpHandler }] = await Promise.all([
        import("@aws-sdk/client-secrets-manager"),
        import("@smithy/node-http-handler"),
      ]);
      const client = new lib.SecretsManagerClient({
        ...(opts.region === undefined ? {} : { region: opts.region }),
        ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
        ...(opts.profile === undefined ? {} : { profile: opts.profile }),
        ...(credentials === undefined ? {} : { credentials }),
        maxAttempts: opts.maxAttempts,
        requestHandler: new NodeHttpHandler({
          connectionTimeout: CONNECTION_TIMEOUT_MS,
          requestTimeout: REQUEST_TIMEOUT_MS,
        }),
      });
      return { lib, client };
    })());

  /** Sends one command; every failure becomes a `StoreError` unless `pass` says the caller handles it. */
  const call = async <T>(
    ctx: Omit<FailureContext, "storeId" | "maxAttempts" | "endpoint">,
    run: (lib: SdkModule, client: SecretsManagerClient) => Promise<T>,
    pass: (awsError: string) => boolean = () => false,
  ): Promise<T> => {
    if (destroyed) throw _closedError(storeId, ctx.name);
    const { lib, client } = await getSdk().catch((error: unknown) => {
      sdk = undefined; // try again next time
      throw new StoreError(storeId, ctx.name, `cannot load the AWS SDK (${awsErrorName(error) || "error"})`, {
        cause: error,
      });
    });
    try {
      return await run(lib, client);
    } catch (error) {
      if (pass(awsErrorName(error))) throw error;
      throw toStoreError({ ...ctx, storeId, maxAttempts: opts.maxAttempts, endpoint: endpointOrigin }, error);
    }
  };

  /** Runs `task` after every earlier task for `secretId`; different names run in parallel. */
  const serialize = <T>(secretId: string, task: () => Promise<T>): Promise<T> => queue.run(secretId, task);

  /** Runs an optional request after a write; a failure is logged (it names the IAM permission), never thrown. */
  const bestEffort = async (problem: string, name: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      logger.warn(`aws store: the value is written, but ${problem}`, {
        secret: name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  /**
   * Brings the tags of a secret partnerd owns up to date, from what DescribeSecret showed (so once per name
   * and process, and only when something differs): the profile tag when the profile was renamed, and the
   * retired per-write tags removed, since nothing updates them any more. Called after the write: the value
   * is what matters.
   */
  const tidyTags = async (
    name: string,
    secretId: string,
    tags: Tag[],
    metadata: SecretMetadata | undefined,
  ): Promise<void> => {
    const has = new Map(tags.map((tag) => [tag.Key, tag.Value]));
    const profile = _profileTag(metadata);
    if (profile[PROFILE_TAG] !== undefined && has.get(PROFILE_TAG) !== profile[PROFILE_TAG]) {
      await bestEffort("could not update its profile tag", name, () =>
        call({ name, secretId, operation: "TagResource", action: "update the profile tag" }, (lib, client) =>
          client.send(new lib.TagResourceCommand({ SecretId: secretId, Tags: _tagList(profile) })),
        ),
      );
    }
    const retired = RETIRED_TAGS.filter((key) => has.has(key));
    if (retired.length > 0) {
      await bestEffort(
        `it keeps tags an earlier partnerd wrote (${retired.join(", ")}) that nothing updates any more; ` +
          `remove them with "aws secretsmanager untag-resource --secret-id ${secretId} --tag-keys ${retired.join(" ")}"`,
        name,
        () =>
          call(
            {
              name,
              secretId,
              operation: "UntagResource",
              action: "remove the tags partnerd no longer updates",
            },
            (lib, client) =>
              client.send(new lib.UntagResourceCommand({ SecretId: secretId, TagKeys: [...retired] })),
          ),
      );
    }
  };

  /**
   * "owned" once the secret is known to carry the ownership tag (tagging it first when the profile allows
   * a takeover); "missing" when it does not exist. Refuses a secret partnerd does not own.
   */
  const ensureOwned = async (
    name: string,
    secretId: string,
    metadata: SecretMetadata | undefined,
  ): Promise<"owned" | "missing"> => {
    if (owned.has(secretId)) return "owned";
    const ctx = {
      name,
      secretId,
      operation: "DescribeSecret",
      action: "check who owns the secret before writing",
    };
    let described: DescribeSecretCommandOutput;
    try {
      described = await call(
        ctx,
        (lib, client) => client.send(new lib.DescribeSecretCommand({ SecretId: secretId })),
        (type) => type === "ResourceNotFoundException",
      );
    } catch (error) {
      if (awsErrorName(error) === "ResourceNotFoundException") return "missing";
      throw error;
    }
    if (described.DeletedDate !== undefined) throw deletedSecretError({ storeId, name, secretId });
    const managedBy = described.Tags?.find((tag) => tag.Key === MANAGED_BY_TAG)?.Value;
    if (managedBy === MANAGED_BY_VALUE) {
      untidy.set(secretId, described.Tags ?? []);
    } else {
      if (metadata?.takeover !== true) {
        throw new StoreError(
          storeId,
          name,
          `refuses to overwrite Secrets Manager secret "${secretId}": partnerd did not create it ` +
            (managedBy === undefined
              ? `(no "${MANAGED_BY_TAG}: ${MANAGED_BY_VALUE}" tag)`
              : `(it is tagged "${MANAGED_BY_TAG}: ${managedBy.slice(0, 64)}")`) +
            `. If partnerd should own it, set "takeover: true" on the profile's refreshToken location` +
            (metadata?.profile ? ` (profiles.${metadata.profile}.refreshToken)` : "") +
            "; otherwise choose another secret name",
        );
      }
      await call(
        { name, secretId, operation: "TagResource", action: "tag the secret it takes over" },
        (lib, client) =>
          client.send(
            new lib.TagResourceCommand({
              SecretId: secretId,
              Tags: _tagList({ ...opts.tags, ..._profileTag(metadata), [MANAGED_BY_TAG]: MANAGED_BY_VALUE }),
            }),
          ),
      );
      logger.warn("aws store: took over a secret partnerd did not create (takeover: true)", {
        secret: name,
        awsName: secretId,
      });
    }
    owned.add(secretId);
    return "owned";
  };

  /** CreateSecret with the value as its first version; `undefined` when the name turned out to exist. */
  const create = async (
    name: string,
    secretId: string,
    value: string,
    metadata: SecretMetadata | undefined,
  ): Promise<string | undefined> => {
    const token = _clientRequestToken(secretId, value, 0);
    const ctx = { name, secretId, operation: "CreateSecret", action: "create the secret", value };
    try {
      const created = await call(
        ctx,
        (lib, client) =>
          client.send(
            new lib.CreateSecretCommand({
              Name: secretId,
              ClientRequestToken: token,
              SecretString: value,
              Description: _description(metadata),
              ...(opts.kmsKeyId === undefined ? {} : { KmsKeyId: opts.kmsKeyId }),
              Tags: _tagList({ ...opts.tags, ..._profileTag(metadata), [MANAGED_BY_TAG]: MANAGED_BY_VALUE }),
            }),
          ),
        (type) => type === "ResourceExistsException",
      );
      logger.info("aws store: created secret", { secret: name, awsName: secretId });
      return created.VersionId ?? token;
    } catch (error) {
      if (awsErrorName(error) === "ResourceExistsException") return undefined;
      throw error;
    }
  };

  /**
   * PutSecretValue with a token derived from the value, so a retried write (same value) lands once.
   * When the token names an older version that is no longer AWSCURRENT (the value came back: A, B, A),
   * the next token is tried. `"missing"` when the secret does not exist (any more).
   */
  const putValue = async (name: string, secretId: string, value: string): Promise<string | "missing"> => {
    const ctx = { name, secretId, operation: "PutSecretValue", action: "write", value };
    for (let rewrite = 0; rewrite < MAX_REWRITES; rewrite++) {
      const token = _clientRequestToken(secretId, value, rewrite);
      let stages: string[] | undefined;
      let versionId: string | undefined;
      try {
        ({ VersionStages: stages, VersionId: versionId } = await call(
          ctx,
          (lib, client) =>
            client.send(
              new lib.PutSecretValueCommand({
                SecretId: secretId,
                ClientRequestToken: token,
                SecretString: value,
              }),
            ),
          (type) => type === "ResourceNotFoundException" || type === "ResourceExistsException",
        ));
      } catch (error) {
        const type = awsErrorName(error);
        if (type === "ResourceNotFoundException") return "missing";
        if (type === "ResourceExistsException") continue; // this token holds another value: not ours
        throw error;
      }
      if (stages === undefined || stages.includes(CURRENT)) return versionId ?? token;
    }
    throw new StoreError(
      storeId,
      name,
      `cannot write: this value was already written ${MAX_REWRITES} times before; write a fresh token`,
    );
  };

  /** GetSecretValue (AWSCURRENT); `null` when there is no secret or no current value. */
  const read = async (name: string): Promise<StoredSecret | null> => {
    const secretId = _secretId(storeId, opts.prefix, name);
    const ctx = { name, secretId, operation: "GetSecretValue", action: "read" };
    let answer: { SecretString?: string; VersionId?: string; CreatedDate?: Date };
    try {
      answer = await call(
        ctx,
        (lib, client) => client.send(new lib.GetSecretValueCommand({ SecretId: secretId })),
        (type) => type === "ResourceNotFoundException",
      );
    } catch (error) {
      // No such secret, or no AWSCURRENT version: nothing to read either way.
      if (awsErrorName(error) === "ResourceNotFoundException") return null;
      throw error;
    }
    if (typeof answer.SecretString !== "string") {
      throw new StoreError(
        storeId,
        name,
        `Secrets Manager secret "${secretId}" holds a binary value (SecretBinary); partnerd keeps tokens as SecretString`,
      );
    }
    if (!answer.VersionId) {
      throw new StoreError(storeId, name, "cannot read: Secrets Manager sent no VersionId");
    }
    const stored: StoredSecret = { value: answer.SecretString, version: answer.VersionId };
    if (answer.CreatedDate instanceof Date && !Number.isNaN(answer.CreatedDate.getTime())) {
      stored.updatedAt = answer.CreatedDate;
    }
    return stored;
  };

  return {
    capabilities: CAPABILITIES,

    get(name) {
      if (closed) return Promise.reject(_closedError(storeId, name));
      const reading = read(name);
      const settled = reading.then(
        () => undefined,
        () => undefined,
      );
      reads.add(settled);
      void settled.then(() => reads.delete(settled));
      return reading;
    },

    async put(name, value, metadata) {
      if (closed) throw _closedError(storeId, name);
      const secretId = _secretId(storeId, opts.prefix, name);
      if (typeof value !== "string") throw new StoreError(storeId, name, "put expects the value as a string");
      const bytes = Buffer.byteLength(value, "utf8");
      if (bytes > MAX_VALUE_BYTES) {
        throw new StoreError(
          storeId,
          name,
          `cannot write: the value is ${bytes} bytes; Secrets Manager holds at most ${MAX_VALUE_BYTES}`,
        );
      }
      return serialize(secretId, async () => {
        // Loops only when the secret appears or disappears under our feet (another writer, a deletion).
        for (let round = 0; round < 3; round++) {
          if ((await ensureOwned(name, secretId, metadata)) === "missing") {
            const version = await create(name, secretId, value, metadata);
            if (version !== undefined) {
              owned.add(secretId);
              return { version };
            }
            continue; // created meanwhile by someone else: check who owns it
          }
          const version = await putValue(name, secretId, value);
          if (version === "missing") {
            owned.delete(secretId);
            untidy.delete(secretId);
            continue;
          }
          const tags = untidy.get(secretId);
          if (tags !== undefined) {
            untidy.delete(secretId);
            await tidyTags(name, secretId, tags, metadata);
          }
          return { version };
        }
        throw new StoreError(
          storeId,
          name,
          `cannot write: Secrets Manager secret "${secretId}" keeps appearing and disappearing (another writer?)`,
        );
      });
    },

    close() {
      closed ??= (async () => {
        // Let writes already under way finish, so that closing never abandons one.
        await Promise.all([queue.idle(), ...reads]);
        destroyed = true;
        const started = sdk;
        sdk = undefined;
        if (started) (await started.catch(() => undefined))?.client.destroy();
      })();
      return closed;
    },
  };
}

export default defineStore({
  apiVersion: STORE_API_VERSION,
  name: STORE_NAME,
  optionsSchema: awsOptionsSchema,
  create(options: Record<string, unknown>, context: StoreContext) {
    return createAwsStore(options, context);
  },
  checkOptions(options: Record<string, unknown>, context: StoreContext) {
    parseOptions(options, context.storeId);
  },
  capabilities: {
    versions: true,
    tags: false,
    softDelete: true,
    minWriteIntervalSeconds: MIN_WRITE_INTERVAL_SECONDS,
  },
});

// --- Internal helpers ---

function _closedError(storeId: string, name: string | undefined): StoreError {
  return new StoreError(storeId, name, "the store is closed");
}

/** The Secrets Manager name for `name`: prefix + name, checked against AWS's rules. */
function _secretId(storeId: string, prefix: string, name: string): string {
  const secretId = `${prefix}${typeof name === "string" ? name : ""}`;
  if (
    typeof name !== "string" ||
    name === "" ||
    secretId.length > MAX_NAME_LENGTH ||
    !NAME_CHARACTERS.test(name)
  ) {
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 80)) : typeof name;
    throw new StoreError(
      storeId,
      undefined,
      `invalid secret name ${shown}: Secrets Manager names may contain letters, digits and / _ + = . @ -, ` +
        `at most ${MAX_NAME_LENGTH} characters with the prefix`,
    );
  }
  return secretId;
}

/**
 * The idempotency token (which becomes the VersionId) of writing `value` to `secretId`: a UUID-shaped
 * digest of a partnerd-prefixed SHA-256, so a retried write of the same token reuses it and AWS creates
 * no second version. `rewrite` counts how often the same value came back (A, B, A); each return needs
 * a new version, so a new token. It does not reveal the value (128 bits of a salted hash).
 */
function _clientRequestToken(secretId: string, value: string, rewrite: number): string {
  const hex = createHash("sha256")
    .update(`partnerd:store-aws:ClientRequestToken:v1\0${secretId}\0${rewrite}\0`, "utf8")
    .update(value, "utf8")
    .digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function _resolveCredentials(
  opts: ParsedOptions,
  context: AwsStoreContext,
): Promise<
  (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>) | undefined
> {
  const refs = opts.credentials;
  if (refs === undefined) return undefined;
  const resolve = context.resolveSecret;
  if (resolve === undefined) {
    throw new StoreError(
      context.storeId ?? STORE_NAME,
      undefined,
      "credentials need a context with resolveSecret",
    );
  }
  const accessKeyId = await resolve(refs.accessKeyId, "credentials.accessKeyId");
  const secretAccessKey = await resolve(refs.secretAccessKey, "credentials.secretAccessKey");
  const sessionToken: Secret | undefined =
    refs.sessionToken === undefined
      ? undefined
      : await resolve(refs.sessionToken, "credentials.sessionToken");
  return async () => ({
    accessKeyId: accessKeyId.reveal().trim(),
    secretAccessKey: secretAccessKey.reveal().trim(),
    ...(sessionToken === undefined ? {} : { sessionToken: sessionToken.reveal().trim() }),
  });
}

function _description(metadata: SecretMetadata | undefined): string {
  const profile =
    typeof metadata?.profile === "string" ? ` of profile "${metadata.profile.slice(0, 200)}"` : "";
  return `Refresh token${profile}, kept alive and rotated by partnerd. Every refresh writes a new version; do not edit by hand.`;
}

/** The `profile` tag (tags are the secret's, not a version's: nothing here changes from write to write). */
function _profileTag(metadata: SecretMetadata | undefined): Record<string, string> {
  const profile = typeof metadata?.profile === "string" ? _tagValue(metadata.profile) : "";
  return profile === "" ? {} : { [PROFILE_TAG]: profile };
}

/** Tag values: at most 256 characters of letters, digits, spaces and + - = . _ : / @. */
function _tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{N}\s+\-=._:/@]/gu, "_").slice(0, 256);
}

function _tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export { awsOptionsSchema };
