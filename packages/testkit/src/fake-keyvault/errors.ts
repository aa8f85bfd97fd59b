import type { Reply } from "../fake-entra/http.ts";
import type { KeyVaultOperation } from "./types.ts";

/** Key Vault's error envelope: `{"error":{"code","message","innererror"?:{"code"}}}`. Never holds values. */
export function kvError(
  status: number,
  code: string,
  message: string,
  innerCode?: string,
  headers?: Record<string, string>,
): Reply {
  const error =
    innerCode === undefined ? { code, message } : { code, message, innererror: { code: innerCode } };
  return headers ? { status, body: { error }, headers } : { status, body: { error } };
}

/** The replies real Key Vault gives, with its wording. */
export const kvErrors = {
  secretNotFound: (nameOrId: string): Reply =>
    kvError(
      404,
      "SecretNotFound",
      `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    ),

  deletedSecretNotFound: (name: string): Reply =>
    kvError(404, "SecretNotFound", `Deleted Secret not found: ${name}`),

  deletedButRecoverable: (name: string): Reply =>
    kvError(
      409,
      "Conflict",
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      "ObjectIsDeletedButRecoverable",
    ),

  beingRecovered: (name: string): Reply =>
    kvError(
      409,
      "Conflict",
      `Secret ${name} is currently being recovered. Retry the operation once the recovery has completed.`,
      "ObjectIsBeingRecovered",
    ),

  disabled: (): Reply =>
    kvError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"),

  forbidden: (operation: KeyVaultOperation, principal: string, vaultName: string, location: string): Reply =>
    kvError(
      403,
      "Forbidden",
      `The user, group or application '${principal}' does not have secrets ${operation} permission on key vault '${vaultName};location=${location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      "AccessDenied",
    ),

  throttled: (retryAfterSeconds?: number): Reply =>
    kvError(
      429,
      "Throttled",
      "Request was not processed because too many requests were received. Reason: Secrets operations exceeded the vault's service limit.",
      undefined,
      retryAfter(retryAfterSeconds),
    ),

  serviceUnavailable: (retryAfterSeconds?: number): Reply =>
    kvError(
      503,
      "ServiceUnavailable",
      "The service is currently unavailable. Please retry the request later.",
      undefined,
      retryAfter(retryAfterSeconds),
    ),

  badParameter: (message: string): Reply => kvError(400, "BadParameter", message),

  unauthorized: (message: string, challenge: string): Reply =>
    kvError(401, "Unauthorized", message, undefined, { "www-authenticate": challenge }),
};

function retryAfter(seconds: number | undefined): Record<string, string> | undefined {
  return seconds === undefined ? undefined : { "retry-after": String(seconds) };
}
