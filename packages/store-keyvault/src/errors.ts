import { errorMessage, firstLine, redact, StoreError } from "@partnerd/core/plugin";

/** A secret permission of an access policy, and the built-in RBAC role that grants what partnerd needs. */
export type Permission = "get" | "set" | "recover";

/** Where an SDK call failed, for the message. */
export interface FailureContext {
  storeId: string;
  vaultUrl: string;
  /** The secret name, when the failure concerns one. */
  name: string | undefined;
  /** What the store was doing, e.g. "read", "write", "recover the soft-deleted secret". */
  action: string;
  /** The permission that call needs. */
  permission: Permission;
  /** Roles that grant it, for the 403 message. */
  role: "Key Vault Secrets User" | "Key Vault Secrets Officer";
  /** Retries the SDK already made (`retry.maxRetries`). */
  maxRetries: number;
  /** A value that must never appear in the message (scrubbed if an SDK message ever echoed it). */
  value?: string;
}

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
const IDENTITY_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
]);

/** HTTP status of an SDK `RestError`, if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * Turns whatever the SDK threw into a `StoreError` that says what to do. The SDK's `RestError` carries
 * the request (with the secret value in its body) as a non-enumerable property; it is never attached:
 * the cause is a bare copy with name, code and status only.
 */
export function toStoreError(ctx: FailureContext, error: unknown): StoreError {
  const status = statusOf(error);
  const code = codeOf(error);
  const detail = firstLine(redact(errorMessage(error), ctx.value));
  const cause = bareCause(error, detail, code, status);
  const fail = (message: string) => new StoreError(ctx.storeId, ctx.name, message, { cause });
  const answered = `Key Vault answered ${status}${code ? ` ${code}` : ""}`;

  if (status === 403) {
    if (code === "SecretDisabled" || /disabled secret/i.test(detail)) {
      return fail(
        `cannot ${ctx.action}: its current version is disabled (${answered}); enable it (az keyvault secret set-attributes --enabled true) or write a new version`,
      );
    }
    if (/client address|firewall|ForbiddenByFirewall/i.test(`${code} ${detail}`)) {
      return fail(
        `cannot ${ctx.action}: the firewall of ${ctx.vaultUrl} refuses this machine's address (${answered}); allow it under the vault's Networking settings`,
      );
    }
    return fail(
      `cannot ${ctx.action}: partnerd's identity needs the "${ctx.permission}" secret permission (access policy) or the "${ctx.role}" role on ${ctx.vaultUrl} (${answered}: ${detail})`,
    );
  }
  if (status === 401) {
    return fail(
      `cannot ${ctx.action}: Key Vault rejected the access token (${answered}: ${detail}); check that the credential's tenant is the vault's tenant`,
    );
  }
  if (status === 429 || status === 503) {
    const what = status === 429 ? "is throttling requests" : "is unavailable";
    return fail(
      `cannot ${ctx.action}: ${ctx.vaultUrl} ${what} (${answered}) after ${ctx.maxRetries} retries; it will be tried again later`,
    );
  }
  if (status !== undefined) return fail(`cannot ${ctx.action}: ${answered}: ${detail}`);

  const name = error instanceof Error ? error.name : "";
  if (IDENTITY_ERRORS.has(name)) {
    return fail(`cannot ${ctx.action}: getting an access token for Key Vault failed (${name}): ${detail}`);
  }
  if (/challenge resource .* does not match/i.test(detail)) {
    return fail(
      `cannot ${ctx.action}: the vault's sign-in challenge names a resource that ${new URL(ctx.vaultUrl).host} is not part of; for a vault host outside *.vault.azure.* (an emulator or proxy) set verifyChallengeResource: false`,
    );
  }
  if (code && TLS_CODES.has(code)) {
    return fail(
      `cannot ${ctx.action}: the TLS certificate of ${ctx.vaultUrl} is not trusted (${code}); add its CA with the caFile option`,
    );
  }
  if (code) return fail(`cannot ${ctx.action}: cannot reach ${ctx.vaultUrl} (${code}): ${detail}`);
  return fail(`cannot ${ctx.action}: ${name || "error"}: ${detail}`);
}

// --- Internal helpers ---

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

function bareCause(
  error: unknown,
  message: string,
  code: string | undefined,
  status: number | undefined,
): Error {
  const cause = new Error(message);
  cause.name = error instanceof Error ? error.name : "Error";
  return Object.assign(
    cause,
    code === undefined ? {} : { code },
    status === undefined ? {} : { statusCode: status },
  );
}
