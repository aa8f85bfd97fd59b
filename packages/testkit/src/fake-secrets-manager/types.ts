/** Options for {@link FakeSecretsManager.start}. */
export interface FakeSecretsManagerOptions {
  /** TCP port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /**
   * Serve HTTPS with the process-wide test CA (FakeEntra's and FakeKeyVault's), as Secrets Manager does;
   * clients need `caPem` trusted. Plain HTTP otherwise.
   * @default false
   */
  tls?: boolean;
  /**
   * Region written into ARNs.
   * @default "us-east-1"
   */
  region?: string;
  /**
   * Account id written into ARNs and access-denied messages.
   * @default "123456789012"
   */
  accountId?: string;
  /**
   * Most versions one secret may hold. Like AWS, a new version first prunes versions without a staging
   * label that are older than 24 hours; if that is not enough the write fails with `LimitExceededException`.
   * @default 100
   */
  maxVersionsPerSecret?: number;
  /** The fake's clock in ms since the epoch (timestamps, 24 h pruning, recovery windows). @default Date.now */
  now?: () => number;
}

/** The errors {@link FakeSecretsManager.failNext} can inject, with AWS's HTTP status. */
export type SecretsManagerErrorType =
  /** 400, "Rate exceeded"; the SDK retries it. */
  | "ThrottlingException"
  /** 500; the SDK retries it. */
  | "InternalServiceError"
  /** 400, names the denied IAM action like IAM does; the SDK does not retry it. */
  | "AccessDeniedException"
  /** 400, KMS could not decrypt the value (Get). */
  | "DecryptionFailure";

/** Options for {@link FakeSecretsManager.failNext}. */
export interface SecretsManagerFailNextOptions {
  type: SecretsManagerErrorType;
  /** Only requests for this operation (e.g. `"PutSecretValue"`) fail; others pass untouched. */
  operation?: string;
}

/** Options for {@link FakeSecretsManager.dropResponseNext}. */
export interface SecretsManagerDropOptions {
  /** Only requests for this operation are affected. */
  operation?: string;
}

/** Options for {@link FakeSecretsManager.hold}. */
export interface SecretsManagerHoldOptions {
  /** Only a request for this operation (e.g. `"CreateSecret"`) is parked; others pass untouched. */
  operation?: string;
}

/** A gate on the next request; see {@link FakeSecretsManager.hold}. */
export interface SecretsManagerHeldRequest {
  /** Resolves once a request is parked at the gate (before any processing). */
  arrived: Promise<void>;
  /** Lets the parked request proceed (or lets the next one through untouched if none arrived yet). */
  release(): void;
}

/** One request as the fake saw it. Never holds a secret value. */
export interface SecretsManagerRequestRecord {
  /** `x-amz-target` without `secretsmanager.`, e.g. `"PutSecretValue"`. */
  operation: string;
  /** `SecretId`, or `Name` for CreateSecret; `undefined` when absent. */
  secretId: string | undefined;
  clientRequestToken: string | undefined;
  /** HTTP status sent; 0 when the response was dropped on purpose. */
  status: number;
  /** `__type` of the error sent, if any. */
  errorType?: string;
  /** Access key id from the SigV4 `Credential=` scope. */
  accessKeyId: string | undefined;
  /** Region from the SigV4 scope. */
  region: string | undefined;
  /** `attempt` from the SDK's `amz-sdk-request` header (1 for the first try). */
  attempt: number | undefined;
  /** When the request had been read, before the injected `latencyMs` (on the fake's clock). */
  receivedAt: Date;
  /** When it was processed: after `latencyMs` and any {@link FakeSecretsManager.hold} (on the fake's clock). */
  at: Date;
}

/** One version of a secret, for assertions. */
export interface SecretsManagerSecretVersion {
  versionId: string;
  /** Staging labels, e.g. `["AWSCURRENT"]`; empty for a deprecated version. */
  stages: string[];
  createdDate: Date;
  value: string | undefined;
  binary: Uint8Array | undefined;
}

/** Everything the fake holds about one secret, for assertions (a copy). */
export interface SecretsManagerSecretSnapshot {
  name: string;
  arn: string;
  description: string | undefined;
  kmsKeyId: string | undefined;
  tags: Record<string, string>;
  createdDate: Date;
  lastChangedDate: Date;
  /** When `DeleteSecret` scheduled it; `undefined` unless scheduled for deletion. */
  deletedDate: Date | undefined;
  /** `SecretString` of the `AWSCURRENT` version. */
  value: string | undefined;
  /** Oldest first. */
  versions: SecretsManagerSecretVersion[];
}
