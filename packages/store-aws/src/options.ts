import { StoreOptionsError } from "@partnerd/core/plugin";

/** Where to read one credential part: `{ env: NAME }` or `{ file: PATH }` (relative to the config file). */
export type CredentialReference = { env: string } | { file: string };

/** Static credentials, each part read through the config's secret references. */
export interface AwsCredentialOptions {
  accessKeyId: CredentialReference;
  secretAccessKey: CredentialReference;
  /** For temporary credentials (STS). */
  sessionToken?: CredentialReference;
}

export interface AwsStoreOptions {
  /**
   * AWS region of the secrets, e.g. `eu-west-1`.
   * @default the SDK's chain: `AWS_REGION`, then the profile's `region` in ~/.aws/config
   */
  region?: string;
  /**
   * Secrets Manager endpoint URL (`https://…`, or `http://…` for a local fake), e.g. a VPC interface
   * endpoint. `AWS_ENDPOINT_URL_SECRETS_MANAGER` also works.
   * @default the regional AWS endpoint
   */
  endpoint?: string;
  /**
   * Profile in the shared config and credentials files (~/.aws/config, ~/.aws/credentials).
   * Not together with `credentials`.
   * @default `AWS_PROFILE`, else "default"
   */
  profile?: string;
  /**
   * Static credentials by reference. Not together with `profile`.
   * @default the SDK's default chain (environment, shared files, SSO, web identity, ECS/EC2 roles)
   */
  credentials?: AwsCredentialOptions;
  /**
   * Prepended to every secret name, e.g. `partnerd/`.
   * @default ""
   */
  prefix?: string;
  /** KMS key (id, ARN or alias) for secrets partnerd creates. @default the account's `aws/secretsmanager` key */
  kmsKeyId?: string;
  /** Extra tags for secrets partnerd creates or takes over (at most 45; `aws:` keys and partnerd's own are refused). */
  tags?: Record<string, string>;
  /**
   * Attempts per API call, including the first (the SDK retries throttling, 5xx and network errors).
   * @default 3
   */
  maxAttempts?: number;
}

/** Options after validation, with defaults filled in; `credentials` still unresolved references. */
export interface ParsedOptions {
  region: string | undefined;
  endpoint: string | undefined;
  profile: string | undefined;
  credentials: { accessKeyId: unknown; secretAccessKey: unknown; sessionToken: unknown } | undefined;
  prefix: string;
  kmsKeyId: string | undefined;
  tags: Record<string, string>;
  maxAttempts: number;
}

/**
 * Tag keys partnerd reserves; `tags` may not set them. It writes `managed-by` and `profile`; the others
 * are the per-write tags of earlier builds (see `RETIRED_TAGS`).
 */
export const PARTNERD_TAGS = [
  "managed-by",
  "profile",
  "fingerprint",
  "refreshed-at",
  "expires-by-inactivity-at",
] as const;

/**
 * Tags that earlier builds rewrote after every write (one `TagResource` per write). Nothing updates them
 * any more, so the store removes them from the secrets it owns; still reserved, so that removal never
 * takes away a tag of the user's.
 */
export const RETIRED_TAGS = ["fingerprint", "refreshed-at", "expires-by-inactivity-at"] as const;

/** Secrets Manager allows 50 tags per secret. */
export const MAX_TAGS = 50;

/** Characters Secrets Manager allows in a secret name. */
export const NAME_CHARACTERS = /^[A-Za-z0-9/_+=.@-]*$/;

const OPTION_KEYS = [
  "region",
  "endpoint",
  "profile",
  "credentials",
  "prefix",
  "kmsKeyId",
  "tags",
  "maxAttempts",
] as const;
const CREDENTIAL_KEYS = ["accessKeyId", "secretAccessKey", "sessionToken"] as const;
const MAX_PREFIX_LENGTH = 256;

/**
 * Validates the store's `options:` as they come from the config. Every problem is a `StoreOptionsError`
 * naming the (dotted) key; values are never echoed.
 */
export function parseOptions(options: Record<string, unknown>, storeId: string): ParsedOptions {
  const fail = (key: string, problem: string): never => {
    throw new StoreOptionsError(key, `store "${storeId}" option "${key}": ${problem}`);
  };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail("", "options must be a mapping");
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      fail(key, `unknown option; the aws store accepts: ${OPTION_KEYS.join(", ")}`);
    }
  }

  const region = optionalString(options, "region", fail);
  if (region !== undefined && !/^[a-z0-9]+(-[a-z0-9]+)+$/.test(region)) {
    fail("region", "must be an AWS region name such as us-east-1");
  }

  const endpoint = optionalString(options, "endpoint", fail);
  if (endpoint !== undefined) _checkEndpoint(endpoint, fail);

  const profile = optionalString(options, "profile", fail);

  let credentials: ParsedOptions["credentials"];
  if (options.credentials !== undefined) {
    if (profile !== undefined) fail("credentials", "use either `credentials` or `profile`, not both");
    credentials = _credentials(options.credentials, fail);
  }

  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string") fail("prefix", "must be a string");
  if ((prefix as string).length > MAX_PREFIX_LENGTH) {
    fail("prefix", `must be at most ${MAX_PREFIX_LENGTH} characters`);
  }
  if (!NAME_CHARACTERS.test(prefix as string)) {
    fail("prefix", "may contain only letters, digits and / _ + = . @ -");
  }

  const kmsKeyId = optionalString(options, "kmsKeyId", fail);
  if (kmsKeyId !== undefined && kmsKeyId.length > 2048) fail("kmsKeyId", "must be at most 2048 characters");

  const tags = _tags(options.tags, fail);

  const maxAttempts = options.maxAttempts ?? 3;
  if (
    typeof maxAttempts !== "number" ||
    !Number.isInteger(maxAttempts) ||
    maxAttempts < 1 ||
    maxAttempts > 10
  ) {
    fail("maxAttempts", "must be a whole number from 1 to 10");
  }

  return {
    region,
    endpoint,
    profile,
    credentials,
    prefix: prefix as string,
    kmsKeyId,
    tags,
    maxAttempts: maxAttempts as number,
  };
}

// --- Internal helpers ---

type Fail = (key: string, problem: string) => never;

function optionalString(options: Record<string, unknown>, key: string, fail: Fail): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") return fail(key, "must be a non-empty string");
  return value;
}

function _checkEndpoint(endpoint: string, fail: Fail): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    fail("endpoint", "must be an absolute URL such as https://secretsmanager.eu-west-1.amazonaws.com");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    fail("endpoint", "must be an http:// or https:// URL");
  if (url.username !== "" || url.password !== "")
    fail("endpoint", "must not contain a user name or password");
  if (url.search !== "" || url.hash !== "") fail("endpoint", "must not have a query or fragment");
}

function _credentials(raw: unknown, fail: Fail): NonNullable<ParsedOptions["credentials"]> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("credentials", "must be a mapping with accessKeyId and secretAccessKey");
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(CREDENTIAL_KEYS as readonly string[]).includes(key)) {
      fail(`credentials.${key}`, `unknown key; credentials accepts: ${CREDENTIAL_KEYS.join(", ")}`);
    }
  }
  for (const key of CREDENTIAL_KEYS) {
    const reference = record[key];
    if (reference === undefined) {
      if (key !== "sessionToken") fail(`credentials.${key}`, "is required");
      continue;
    }
    // A string here is most likely the key itself: refuse it without repeating it.
    if (typeof reference !== "object" || reference === null || Array.isArray(reference)) {
      fail(
        `credentials.${key}`,
        "must be a reference, { env: NAME } or { file: PATH }; never write the key itself in the config",
      );
    }
  }
  return {
    accessKeyId: record.accessKeyId,
    secretAccessKey: record.secretAccessKey,
    sessionToken: record.sessionToken,
  };
}

function _tags(raw: unknown, fail: Fail): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("tags", "must be a mapping of tag keys to string values");
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const room = MAX_TAGS - PARTNERD_TAGS.length;
  if (entries.length > room)
    fail(
      "tags",
      `at most ${room} tags (Secrets Manager allows ${MAX_TAGS}; partnerd reserves ${PARTNERD_TAGS.length})`,
    );
  for (const [key, value] of entries) {
    const path = /^[A-Za-z0-9_.:/=+@-]{1,128}$/.test(key) ? `tags.${key}` : "tags";
    if (key.length < 1 || key.length > 128) fail(path, "tag keys must be 1 to 128 characters");
    if (key.toLowerCase().startsWith("aws:")) fail(path, "tag keys starting with aws: are reserved by AWS");
    if ((PARTNERD_TAGS as readonly string[]).includes(key))
      fail(path, "this tag key is set by partnerd itself");
    if (typeof value !== "string") fail(path, "tag values must be strings");
    if ((value as string).length > 256) fail(path, "tag values must be at most 256 characters");
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
