/** Options for {@link FakeKeyVault.start}. */
export interface FakeKeyVaultOptions {
  /**
   * The vault's tenant: it goes into the 401 challenge (`authorization="<authority>/<tenantId>"`) and
   * bearer tokens must carry it as `tid`. Use the credential's tenant (e.g. `entra.tenantId`).
   */
  tenantId: string;
  /**
   * Authority host advertised in the challenge, e.g. `entra.url`. `@azure/identity` does not follow it
   * (it uses its own `authorityHost`); it only reads the tenant from it.
   * @default "https://login.microsoftonline.com"
   */
  authority?: string;
  /** TCP port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /**
   * Name used in messages (`does not have secrets get permission on key vault '<vaultName>;location=…'`).
   * @default "partnerd-fake"
   */
  vaultName?: string;
  /** @default "westeurope" */
  location?: string;
  /** Time a recovery (`POST /deletedsecrets/{name}/recover`) takes before the secret is readable. @default 0 */
  recoveryDelayMs?: number;
  /** Delay added before every response. @default 0 */
  latencyMs?: number;
}

/** Secret permissions of a Key Vault access policy that the fake can withhold. */
export type KeyVaultOperation = "get" | "set" | "list" | "delete" | "recover" | "purge";

/** Options for {@link FakeKeyVault.deny}. */
export interface KeyVaultDenyOptions {
  /** Only callers whose token `appid`/`azp` or `oid` equals this are denied; everyone when omitted. */
  principal?: string;
}

/** HTTP statuses {@link FakeKeyVault.failNext} can inject. */
export type KeyVaultFailureStatus = 429 | 503;

/** Options for {@link FakeKeyVault.failNext}. */
export interface KeyVaultFailNextOptions {
  status: KeyVaultFailureStatus;
  /** Sent as the `Retry-After` header (seconds) when given. */
  retryAfterSeconds?: number;
}

/** One request as the fake saw it. Never holds secret values or tokens. */
export interface KeyVaultRequestRecord {
  method: string;
  /** Path without the query, e.g. `/secrets/pc/`. */
  path: string;
  /** The `api-version` query parameter (`""` when missing). */
  apiVersion: string;
  /** Whether the request carried an `Authorization: Bearer` header. */
  authenticated: boolean;
  status: number;
  /** Key Vault error code of an error reply (`SecretNotFound`, `Forbidden`, …). */
  errorCode?: string;
  at: Date;
}

/** One version of a secret, for assertions. */
export interface KeyVaultSecretVersion {
  /** The version id: 32 lower-case hex digits. */
  version: string;
  value: string;
  contentType: string | undefined;
  tags: Readonly<Record<string, string>>;
  enabled: boolean;
  created: Date;
  updated: Date;
}

/** The current (newest) version of a live secret, for assertions. */
export interface KeyVaultSecretSnapshot extends KeyVaultSecretVersion {
  /** The name as first written (Key Vault names are case-insensitive; the first spelling is kept). */
  name: string;
}

/** Options for {@link FakeKeyVault.seed}. */
export interface KeyVaultSeedOptions {
  tags?: Record<string, string>;
  contentType?: string;
  enabled?: boolean;
}
