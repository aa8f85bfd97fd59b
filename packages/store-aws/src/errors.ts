import { errorMessage, firstLine, redact, StoreError } from "@partnerd/core/plugin";

/** Where an SDK call failed, for the message. */
export interface FailureContext {
  storeId: string;
  /** The secret name partnerd asked for (without the prefix); `undefined` when not about one secret. */
  name: string | undefined;
  /** The Secrets Manager name (prefix + name). */
  secretId: string;
  /** The API operation, e.g. "PutSecretValue"; its IAM action is `secretsmanager:<operation>`. */
  operation: string;
  /** What the store was doing, e.g. "read", "write". */
  action: string;
  /** `maxAttempts` the SDK had, for messages about retries. */
  maxAttempts: number;
  /** The endpoint origin when one is configured. */
  endpoint: string | undefined;
  /** A value that must never appear in the message (scrubbed if an SDK message ever echoed it). */
  value?: string;
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
]);
const REJECTED_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignatureException",
  "ExpiredTokenException",
  "ExpiredToken",
  "MissingAuthenticationTokenException",
]);
/** Messages of these may quote request members; they are left out. */
const UNQUOTED = new Set(["ValidationException", "SerializationException"]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

/** The AWS error name (`ResourceNotFoundException`, …) of an SDK error, `""` when there is none. */
export function awsErrorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : "";
}

/** Secrets Manager's answer for a secret that `DeleteSecret` scheduled for deletion. */
export function isMarkedForDeletion(error: unknown): boolean {
  return (
    awsErrorName(error) === "InvalidRequestException" &&
    /(marked|scheduled) for deletion/i.test(errorMessage(error))
  );
}

/** The error for a secret scheduled for deletion: partnerd neither reads nor writes it until restored. */
export function deletedSecretError(ctx: Pick<FailureContext, "storeId" | "name" | "secretId">): StoreError {
  return new StoreError(
    ctx.storeId,
    ctx.name,
    `Secrets Manager secret "${ctx.secretId}" is scheduled for deletion; restore it ` +
      `(aws secretsmanager restore-secret --secret-id ${ctx.secretId}) and partnerd will use it again, ` +
      "or let the deletion complete and partnerd will create it anew",
  );
}

/**
 * Turns whatever the SDK threw into a `StoreError` that says what to do. The cause is a bare copy
 * (name, code, status and the scrubbed message), never the SDK object.
 */
export function toStoreError(ctx: FailureContext, error: unknown): StoreError {
  const name = awsErrorName(error);
  const code = codeOf(error);
  const status = statusOf(error);
  const detail = UNQUOTED.has(name) ? "" : firstLine(redact(errorMessage(error), ctx.value));
  const cause = bareCause(name, detail, code, status);
  const fail = (message: string) => new StoreError(ctx.storeId, ctx.name, message, { cause });
  const said = `${name || "error"}${status !== undefined ? `, HTTP ${status}` : ""}${detail ? `: ${detail}` : ""}`;
  const cannot = `cannot ${ctx.action}`;
  const attempts = `after ${ctx.maxAttempts} attempt${ctx.maxAttempts === 1 ? "" : "s"}`;

  if (isMarkedForDeletion(error)) return deletedSecretError(ctx);
  if (name === "AccessDeniedException" || name === "AccessDenied") {
    if (/\bkms\b/i.test(detail)) return fail(`${cannot}: ${kmsAdvice} (${said})`);
    return fail(
      `${cannot}: partnerd's AWS identity lacks the IAM permission secretsmanager:${ctx.operation} ` +
        `on Secrets Manager secret "${ctx.secretId}" (${said})`,
    );
  }
  if (name === "DecryptionFailure" || name === "EncryptionFailure" || name.startsWith("KMS")) {
    return fail(`${cannot}: ${kmsAdvice} (${said})`);
  }
  if (THROTTLING.has(name)) {
    return fail(
      `${cannot}: Secrets Manager is throttling requests (${said}) ${attempts}; it will be tried again later`,
    );
  }
  if (name === "LimitExceededException") {
    return fail(
      `${cannot}: a Secrets Manager quota was reached (${said}). Every write creates a version and versions ` +
        "younger than 24 hours are never removed: refresh this secret at most once every 10 minutes",
    );
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return fail(`${cannot}: AWS rejected the credentials (${said}); check the credentials or profile option`);
  }
  if (name === "CredentialsProviderError") {
    return fail(
      `${cannot}: no AWS credentials found (${detail}); set the credentials or profile option, or provide them ` +
        "through the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, an instance role …)",
    );
  }
  if (/region is missing/i.test(detail)) {
    return fail(`${cannot}: no AWS region; set the region option, AWS_REGION, or a region in the profile`);
  }
  if (status !== undefined && status >= 500) {
    return fail(`${cannot}: Secrets Manager failed (${said}) ${attempts}; it will be tried again later`);
  }
  if (status !== undefined) return fail(`${cannot}: Secrets Manager answered ${said}`);
  if ((code && NETWORK_CODES.has(code)) || name === "TimeoutError") {
    const where = ctx.endpoint ? ` at ${ctx.endpoint}` : "";
    return fail(`${cannot}: cannot reach Secrets Manager${where} (${code ?? name}: ${detail}) ${attempts}`);
  }
  return fail(`${cannot}: ${said}`);
}

// --- Internal helpers ---

const kmsAdvice =
  "AWS KMS refused the secret's key; partnerd's identity needs kms:Decrypt (to read) and kms:GenerateDataKey " +
  "(to write) on it, and the key must be enabled";

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

function statusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  const status = metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

function bareCause(
  name: string,
  message: string,
  code: string | undefined,
  status: number | undefined,
): Error {
  const cause = new Error(message);
  cause.name = name || "Error";
  return Object.assign(
    cause,
    code === undefined ? {} : { code },
    status === undefined ? {} : { statusCode: status },
  );
}
