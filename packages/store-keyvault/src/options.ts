import { StoreOptionsError } from "@partnerd/core/plugin";

/** How the store signs in to Key Vault. */
export type KeyVaultCredentialOptions =
  /** `DefaultAzureCredential`: environment variables, workload identity, managed identity, Azure CLI, … */
  | { type: "default" }
  | {
      type: "client-secret";
      /** Directory (tenant) id of the app registration. */
      tenantId: string;
      /** Application (client) id. */
      clientId: string;
      /** Where to read the client secret: `{ env: NAME }` or `{ file: PATH }` (relative to the config file). */
      clientSecret: unknown;
      /** Entra ID host; derived from the vault's cloud when omitted. */
      authorityHost?: string;
    }
  | {
      type: "certificate";
      tenantId: string;
      clientId: string;
      /** PEM file with the private key and the certificate; relative to the config file. */
      certificatePath: string;
      authorityHost?: string;
    }
  /** `ManagedIdentityCredential`: system-assigned, or user-assigned with `clientId`. */
  | { type: "managed-identity"; clientId?: string };

/** Passed to the Azure SDK's retry policy (`retryOptions`); 429 and 503 honour `Retry-After`. */
export interface KeyVaultRetryOptions {
  /**
   * Retries after the first attempt.
   * @default 3
   */
  maxRetries?: number;
  /**
   * First back-off delay for 5xx/network errors; doubles each retry.
   * @default 1000
   */
  retryDelayInMs?: number;
  /**
   * Upper bound of that back-off delay.
   * @default 64000
   */
  maxRetryDelayInMs?: number;
}

/** How long `put` waits for a soft-deleted name to come back after asking Key Vault to recover it. */
export interface KeyVaultRecoveryOptions {
  /**
   * Give up (the write fails, the engine retries later) after this many seconds.
   * @default 60
   */
  timeoutSeconds?: number;
  /**
   * First wait between polls; doubles up to 8 s.
   * @default 1000
   */
  pollIntervalMs?: number;
}

export interface KeyVaultStoreOptions {
  /**
   * The vault's URL, `https://<vault>.vault.azure.net` (or a sovereign cloud host such as
   * `*.vault.azure.cn`, `*.vault.usgovcloudapi.net`).
   */
  vaultUrl: string;
  /** @default { type: "default" } */
  credential?: KeyVaultCredentialOptions;
  /**
   * PEM file with an extra CA to trust (besides the usual ones) for the vault and for Entra ID,
   * e.g. behind a TLS-inspecting proxy. Relative to the config file.
   */
  caFile?: string;
  /**
   * Check that the vault's auth challenge names a resource the vault host belongs to. Turn off only
   * for hosts outside `*.vault.azure.*` (an emulator or a reverse proxy).
   * @default true
   */
  verifyChallengeResource?: boolean;
  retry?: KeyVaultRetryOptions;
  /** @default "application/vnd.partnerd.refresh-token" */
  contentType?: string;
  recovery?: KeyVaultRecoveryOptions;
}

/** Options after validation, with defaults filled in. */
export interface ParsedOptions {
  vaultUrl: string;
  credential: KeyVaultCredentialOptions;
  caFile: string | undefined;
  verifyChallengeResource: boolean;
  retry: KeyVaultRetryOptions;
  contentType: string;
  recovery: Required<KeyVaultRecoveryOptions>;
}

export const DEFAULT_CONTENT_TYPE = "application/vnd.partnerd.refresh-token";

const OPTION_KEYS = [
  "vaultUrl",
  "credential",
  "caFile",
  "verifyChallengeResource",
  "retry",
  "contentType",
  "recovery",
] as const;
const CREDENTIAL_KEYS: Record<KeyVaultCredentialOptions["type"], readonly string[]> = {
  default: ["type"],
  "client-secret": ["type", "tenantId", "clientId", "clientSecret", "authorityHost"],
  certificate: ["type", "tenantId", "clientId", "certificatePath", "authorityHost"],
  "managed-identity": ["type", "clientId"],
};
const RETRY_KEYS = ["maxRetries", "retryDelayInMs", "maxRetryDelayInMs"] as const;
const RECOVERY_KEYS = ["timeoutSeconds", "pollIntervalMs"] as const;

/**
 * Validates the store's `options:` as they come from the config. Every problem is a
 * `StoreOptionsError` naming the (dotted) key; values are never echoed.
 */
export function parseOptions(options: Record<string, unknown>, storeId: string): ParsedOptions {
  const fail = (key: string, problem: string): never => {
    throw optionsError(storeId, key, problem);
  };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail("options", "must be a mapping with at least vaultUrl");
  }
  checkKeys(options, OPTION_KEYS, "", fail, "the keyvault store accepts");

  const vaultUrl = parseHttpsUrl(options.vaultUrl, "vaultUrl", fail, "https://<vault>.vault.azure.net");
  const caFile = optionalString(options.caFile, "caFile", fail, "a path to a PEM file");
  const contentType =
    optionalString(options.contentType, "contentType", fail, "a MIME type") ?? DEFAULT_CONTENT_TYPE;
  const verify = options.verifyChallengeResource;
  if (verify !== undefined && typeof verify !== "boolean")
    fail("verifyChallengeResource", "must be true or false");

  const retry: KeyVaultRetryOptions = {};
  const retryInput = optionalObject(options.retry, "retry", fail);
  if (retryInput) {
    checkKeys(retryInput, RETRY_KEYS, "retry.", fail, "retry accepts");
    for (const key of RETRY_KEYS) {
      const value = retryInput[key];
      if (value === undefined) continue;
      retry[key] = integer(value, `retry.${key}`, fail, 0, key === "maxRetries" ? 20 : 3_600_000);
    }
  }

  const recoveryInput = optionalObject(options.recovery, "recovery", fail);
  const recovery: Required<KeyVaultRecoveryOptions> = { timeoutSeconds: 60, pollIntervalMs: 1000 };
  if (recoveryInput) {
    checkKeys(recoveryInput, RECOVERY_KEYS, "recovery.", fail, "recovery accepts");
    if (recoveryInput.timeoutSeconds !== undefined) {
      recovery.timeoutSeconds = positive(recoveryInput.timeoutSeconds, "recovery.timeoutSeconds", fail, 3600);
    }
    if (recoveryInput.pollIntervalMs !== undefined) {
      recovery.pollIntervalMs = positive(
        recoveryInput.pollIntervalMs,
        "recovery.pollIntervalMs",
        fail,
        60_000,
      );
    }
  }

  return {
    vaultUrl,
    credential: parseCredential(options.credential, fail),
    caFile,
    verifyChallengeResource: verify !== false,
    retry,
    contentType,
    recovery,
  };
}

/** Never echoes the option's value: a misplaced token must not end up in a log. */
export function optionsError(storeId: string, key: string, problem: string): StoreOptionsError {
  return new StoreOptionsError(key, `store "${storeId}" option "${key}": ${problem}`);
}

// --- Internal helpers ---

type Fail = (key: string, problem: string) => never;

function parseCredential(input: unknown, fail: Fail): KeyVaultCredentialOptions {
  if (input === undefined) return { type: "default" };
  const credential = optionalObject(input, "credential", fail) ?? {};
  const type = credential.type;
  const types = Object.keys(CREDENTIAL_KEYS);
  if (typeof type !== "string" || !types.includes(type)) {
    return fail("credential.type", `must be one of: ${types.join(", ")}`);
  }
  const kind = type as KeyVaultCredentialOptions["type"];
  checkKeys(credential, CREDENTIAL_KEYS[kind], "credential.", fail, `a "${kind}" credential accepts`);
  switch (kind) {
    case "default":
      return { type: "default" };
    case "managed-identity": {
      const clientId = optionalString(credential.clientId, "credential.clientId", fail, "a client id");
      return clientId === undefined ? { type: kind } : { type: kind, clientId };
    }
    case "client-secret":
    case "certificate": {
      const tenantId = requiredString(
        credential.tenantId,
        "credential.tenantId",
        fail,
        "the directory (tenant) id",
      );
      const clientId = requiredString(
        credential.clientId,
        "credential.clientId",
        fail,
        "the application (client) id",
      );
      const authorityHost =
        credential.authorityHost === undefined
          ? undefined
          : parseHttpsUrl(
              credential.authorityHost,
              "credential.authorityHost",
              fail,
              "https://login.microsoftonline.us",
            );
      const host = authorityHost === undefined ? {} : { authorityHost };
      if (kind === "certificate") {
        const certificatePath = requiredString(
          credential.certificatePath,
          "credential.certificatePath",
          fail,
          "a PEM file holding the private key and the certificate",
        );
        return { type: kind, tenantId, clientId, certificatePath, ...host };
      }
      if (credential.clientSecret === undefined) {
        fail("credential.clientSecret", "is required: { env: NAME } or { file: PATH }");
      }
      return { type: kind, tenantId, clientId, clientSecret: credential.clientSecret, ...host };
    }
  }
}

function checkKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  fail: Fail,
  what: string,
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) fail(`${prefix}${key}`, `unknown option; ${what}: ${allowed.join(", ")}`);
  }
}

/** An https URL without credentials, query, fragment or path; returned as its origin. */
function parseHttpsUrl(value: unknown, key: string, fail: Fail, example: string): string {
  if (value === undefined) return fail(key, `is required (e.g. ${example})`);
  if (typeof value !== "string" || value.trim() === "") return fail(key, `must be a URL such as ${example}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(key, `is not a valid URL (expected e.g. ${example})`);
  }
  if (url.protocol !== "https:") return fail(key, `must be an https:// URL (e.g. ${example})`);
  if (url.username || url.password) return fail(key, "must not contain a user name or password");
  if (url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    return fail(key, `must be just the scheme and host (e.g. ${example})`);
  }
  return url.origin;
}

function requiredString(value: unknown, key: string, fail: Fail, what: string): string {
  if (value === undefined) return fail(key, `is required (${what})`);
  return optionalString(value, key, fail, what) ?? fail(key, `is required (${what})`);
}

function optionalString(value: unknown, key: string, fail: Fail, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "")
    return fail(key, `must be a non-empty string (${what})`);
  return value;
}

function optionalObject(value: unknown, key: string, fail: Fail): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return fail(key, "must be a mapping");
  return value as Record<string, unknown>;
}

function integer(value: unknown, key: string, fail: Fail, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    return fail(key, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function positive(value: unknown, key: string, fail: Fail, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    return fail(key, `must be a number greater than 0 and at most ${max}`);
  }
  return value;
}
