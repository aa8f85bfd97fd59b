import type { SecretsManagerErrorType } from "./types.ts";

/**
 * A Secrets Manager error as it goes on the wire: `{"__type": type, "message": message}` with `status`.
 * Messages copy AWS's wording and never contain a secret value.
 */
export class AwsError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = "AwsError";
    this.type = type;
    this.status = status;
  }
}

/** The error catalogue of the fake. */
export const awsErrors = {
  secretNotFound: (): AwsError =>
    new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret."),
  versionNotFound: (what: string): AwsError =>
    new AwsError(
      "ResourceNotFoundException",
      `Secrets Manager can't find the specified secret value for ${what}`,
    ),
  secretExists: (name: string): AwsError =>
    new AwsError(
      "ResourceExistsException",
      `The operation failed because the secret ${name} already exists.`,
    ),
  versionExists: (): AwsError =>
    new AwsError(
      "ResourceExistsException",
      "You can't modify an existing version, you can only create a new version.",
    ),
  markedForDeletion: (): AwsError =>
    new AwsError(
      "InvalidRequestException",
      "You can't perform this operation on the secret because it was marked for deletion.",
    ),
  createWhileScheduled: (): AwsError =>
    new AwsError(
      "InvalidRequestException",
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    ),
  invalidParameter: (message: string): AwsError => new AwsError("InvalidParameterException", message),
  invalidRequest: (message: string): AwsError => new AwsError("InvalidRequestException", message),
  /** Constraint violations, worded like AWS's generic validation; never quotes a secret value. */
  validation: (field: string, constraint: string): AwsError =>
    new AwsError(
      "ValidationException",
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
    ),
  limitExceeded: (message: string): AwsError => new AwsError("LimitExceededException", message),
  unknownOperation: (): AwsError => new AwsError("UnknownOperationException", ""),
  serialization: (): AwsError =>
    new AwsError("SerializationException", "Start of structure or map found where not expected."),
  missingAuthentication: (): AwsError =>
    new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token"),
  internal: (): AwsError =>
    new AwsError("InternalServiceError", "An error occurred on the server side.", 500),
};

/** The error {@link FakeSecretsManager.failNext} sends for `type` on `operation`. */
export function injectedError(
  type: SecretsManagerErrorType,
  operation: string,
  resource: string | undefined,
  accountId: string,
): AwsError {
  switch (type) {
    case "ThrottlingException":
      return new AwsError("ThrottlingException", "Rate exceeded");
    case "InternalServiceError":
      return awsErrors.internal();
    case "AccessDeniedException": {
      const action = `secretsmanager:${operation}`;
      return new AwsError(
        "AccessDeniedException",
        `User: arn:aws:iam::${accountId}:user/partnerd-test is not authorized to perform: ${action} ` +
          `on resource: ${resource ?? "*"} because no identity-based policy allows the ${action} action`,
      );
    }
    case "DecryptionFailure":
      return new AwsError(
        "DecryptionFailure",
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      );
  }
}
