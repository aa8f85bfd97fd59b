import { awsErrors } from "./errors.ts";
import {
  CURRENT,
  newVersionId,
  type SecretPayload,
  type SecretRecord,
  type SecretsManagerState,
  type VersionRecord,
} from "./state.ts";

/** A request body (awsJson1_1) as parsed JSON. */
export type OperationInput = Record<string, unknown>;

/** One `x-amz-target: secretsmanager.<Op>`: validates the input, applies it, returns the response body. */
export type Operation = (state: SecretsManagerState, input: OperationInput) => unknown;

/** The operations the fake implements, by name; anything else is `UnknownOperationException`. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateSecret(state, input) {
    const name = requiredString(input, "Name");
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
      throw awsErrors.invalidParameter(
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
      );
    }
    const { secret, version } = state.createSecret({
      name,
      token: clientRequestToken(input),
      payload: payload(input),
      description: optionalString(input, "Description"),
      kmsKeyId: optionalString(input, "KmsKeyId"),
      tags: tagList(input, "Tags"),
    });
    return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.versionId } : {}) };
  },

  PutSecretValue(state, input) {
    const secretId = requiredString(input, "SecretId");
    const secretPayload = payload(input);
    if (secretPayload.value === undefined && secretPayload.binary === undefined) {
      throw awsErrors.invalidParameter("You must provide either SecretString or SecretBinary.");
    }
    const stages = optionalStringList(input, "VersionStages") ?? [CURRENT];
    if (stages.length === 0 || stages.length > 20) {
      throw awsErrors.validation("versionStages", "Member must have length between 1 and 20");
    }
    const { secret, version } = state.putSecretValue({
      secretId,
      token: clientRequestToken(input),
      payload: secretPayload,
      stages,
    });
    return { ...identity(secret), VersionId: version.versionId, VersionStages: [...version.stages] };
  },

  GetSecretValue(state, input) {
    const { secret, version } = state.getSecretValue({
      secretId: requiredString(input, "SecretId"),
      versionId: optionalString(input, "VersionId"),
      stage: optionalString(input, "VersionStage"),
    });
    return {
      ...identity(secret),
      VersionId: version.versionId,
      ...(version.value !== undefined ? { SecretString: version.value } : {}),
      ...(version.binary !== undefined ? { SecretBinary: version.binary.toString("base64") } : {}),
      VersionStages: [...version.stages],
      CreatedDate: seconds(version.createdMs),
    };
  },

  DescribeSecret(state, input) {
    const secret = state.describe(requiredString(input, "SecretId"));
    const versionIdsToStages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.length > 0) versionIdsToStages[version.versionId] = [...version.stages];
    }
    return {
      ...identity(secret),
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
      RotationEnabled: false,
      CreatedDate: seconds(secret.createdMs),
      LastChangedDate: seconds(secret.lastChangedMs),
      ...(secret.lastAccessedMs !== undefined ? { LastAccessedDate: seconds(secret.lastAccessedMs) } : {}),
      ...(secret.deletedMs !== undefined ? { DeletedDate: seconds(secret.deletedMs) } : {}),
      Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })),
      VersionIdsToStages: versionIdsToStages,
    };
  },

  DeleteSecret(state, input) {
    const secretId = requiredString(input, "SecretId");
    const window = optionalNumber(input, "RecoveryWindowInDays");
    const force = optionalBoolean(input, "ForceDeleteWithoutRecovery") ?? false;
    if (force && window !== undefined) {
      throw awsErrors.invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (window !== undefined && (!Number.isInteger(window) || window < 7 || window > 30)) {
      throw awsErrors.invalidParameter(
        "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
      );
    }
    const { secret, deletionMs } = state.deleteSecret({ secretId, recoveryWindowInDays: window, force });
    return { ...identity(secret), DeletionDate: seconds(deletionMs) };
  },

  RestoreSecret(state, input) {
    return identity(state.restoreSecret(requiredString(input, "SecretId")));
  },

  TagResource(state, input) {
    state.tagResource(requiredString(input, "SecretId"), tagList(input, "Tags", true));
    return {};
  },

  UntagResource(state, input) {
    state.untagResource(requiredString(input, "SecretId"), optionalStringList(input, "TagKeys") ?? []);
    return {};
  },

  ListSecretVersionIds(state, input) {
    const { secret, versions } = state.listVersions(
      requiredString(input, "SecretId"),
      optionalBoolean(input, "IncludeDeprecated") ?? false,
    );
    return { ...identity(secret), Versions: versions.map(versionListEntry) };
  },
};

// --- Internal helpers ---

function identity(secret: SecretRecord): { ARN: string; Name: string } {
  return { ARN: secret.arn, Name: secret.name };
}

function versionListEntry(version: VersionRecord): Record<string, unknown> {
  return {
    VersionId: version.versionId,
    VersionStages: [...version.stages],
    CreatedDate: seconds(version.createdMs),
  };
}

/** awsJson1_1 timestamps: epoch seconds as a JSON number, fractions allowed. */
function seconds(ms: number): number {
  return ms / 1000;
}

/** The caller's token (32–64 characters), which becomes the VersionId; a random UUID when absent. */
function clientRequestToken(input: OperationInput): string {
  const token = optionalString(input, "ClientRequestToken");
  if (token === undefined) return newVersionId();
  if (token.length < 32 || token.length > 64) {
    throw awsErrors.validation("clientRequestToken", "Member must have length between 32 and 64");
  }
  return token;
}

/** `SecretString` or `SecretBinary` (base64 on the wire), never both; at most 65,536 bytes. */
function payload(input: OperationInput): SecretPayload {
  const value = optionalString(input, "SecretString");
  const base64 = optionalString(input, "SecretBinary");
  if (value !== undefined && base64 !== undefined) {
    throw awsErrors.invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  const binary = base64 === undefined ? undefined : Buffer.from(base64, "base64");
  if (value !== undefined && Buffer.byteLength(value, "utf8") > 65536) {
    throw awsErrors.validation("secretString", "Member must have length less than or equal to 65536");
  }
  if (binary !== undefined && binary.length > 65536) {
    throw awsErrors.validation("secretBinary", "Member must have length less than or equal to 65536");
  }
  return { value, binary };
}

function tagList(input: OperationInput, key: string, required = false): Map<string, string> {
  const raw = input[key];
  if (raw === undefined && !required) return new Map();
  if (!Array.isArray(raw)) throw awsErrors.validation(lowerFirst(key), "Member must not be null");
  const tags = new Map<string, string>();
  for (const tag of raw as unknown[]) {
    const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== "string" || Key.length < 1 || Key.length > 128) {
      throw awsErrors.validation("tags.member.key", "Member must have length between 1 and 128");
    }
    if (typeof Value !== "string" || Value.length > 256) {
      throw awsErrors.validation("tags.member.value", "Member must have length less than or equal to 256");
    }
    if (Key.toLowerCase().startsWith("aws:")) {
      throw awsErrors.invalidParameter(
        "Tag keys can't start with 'aws:'; that prefix is reserved for AWS use.",
      );
    }
    tags.set(Key, Value);
  }
  if (tags.size > 50)
    throw awsErrors.validation(lowerFirst(key), "Member must have length less than or equal to 50");
  return tags;
}

function requiredString(input: OperationInput, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined || value === "")
    throw awsErrors.validation(lowerFirst(key), "Member must not be null");
  return value;
}

function optionalString(input: OperationInput, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw awsErrors.serialization();
  return value;
}

function optionalNumber(input: OperationInput, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw awsErrors.serialization();
  return value;
}

function optionalBoolean(input: OperationInput, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw awsErrors.serialization();
  return value;
}

function optionalStringList(input: OperationInput, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw awsErrors.serialization();
  return value as string[];
}

function lowerFirst(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}
