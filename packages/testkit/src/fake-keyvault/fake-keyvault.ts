import { createTestCa } from "../tls/test-ca.ts";
import { type RunningKeyVaultServer, startKeyVaultServer } from "./server.ts";
import { VaultState, viewOf } from "./state.ts";
import type {
  FakeKeyVaultOptions,
  KeyVaultDenyOptions,
  KeyVaultFailNextOptions,
  KeyVaultOperation,
  KeyVaultRequestRecord,
  KeyVaultSecretSnapshot,
  KeyVaultSecretVersion,
  KeyVaultSeedOptions,
} from "./types.ts";

/**
 * A loopback HTTPS fake of the Azure Key Vault secrets data plane for driving the real
 * `@azure/keyvault-secrets` (and `@azure/identity` through {@link FakeEntra}).
 *
 * ```ts
 * const entra = await FakeEntra.start();
 * entra.registerClient({ clientId, clientSecret });
 * const kv = await FakeKeyVault.start({ tenantId: entra.tenantId, authority: entra.url });
 * const credential = new ClientSecretCredential(entra.tenantId, clientId, clientSecret, {
 *   authorityHost: entra.url, disableInstanceDiscovery: true, tlsOptions: { ca: entra.caPem } });
 * const client = new SecretClient(kv.url, credential, {
 *   disableChallengeResourceVerification: true, tlsOptions: { ca: kv.caPem } });
 * ```
 * Requests without a bearer get Key Vault's 401 challenge; bearer JWTs must have `aud`
 * `https://vault.azure.net` and the vault's `tid`. Logs nothing; error bodies never echo values.
 */
export class FakeKeyVault {
  /** `https://127.0.0.1:PORT`, the vault URL. */
  readonly url: string;
  readonly port: number;
  /** PEM of the test CA that signed the server certificate (the same CA as FakeEntra's). */
  readonly caPem: string;
  readonly tenantId: string;
  /** The vault name used in messages. */
  readonly vaultName: string;

  readonly #state: VaultState;
  readonly #server: RunningKeyVaultServer;
  #closed: Promise<void> | undefined;

  private constructor(
    state: VaultState,
    server: RunningKeyVaultServer,
    caPem: string,
    opts: FakeKeyVaultOptions,
  ) {
    this.#state = state;
    this.#server = server;
    this.port = server.port;
    this.url = `https://127.0.0.1:${server.port}`;
    this.caPem = caPem;
    this.tenantId = opts.tenantId;
    this.vaultName = opts.vaultName ?? "partnerd-fake";
  }

  /** Starts the fake on 127.0.0.1 (port 0 = ephemeral) with the process-wide test CA. */
  static async start(opts: FakeKeyVaultOptions): Promise<FakeKeyVault> {
    if (!opts?.tenantId) throw new Error("FakeKeyVault.start: tenantId is required");
    const state = new VaultState();
    state.latencyMs = checkMs("latencyMs", opts.latencyMs ?? 0);
    state.recoveryDelayMs = checkMs("recoveryDelayMs", opts.recoveryDelayMs ?? 0);
    const ca = await createTestCa();
    const server = await startKeyVaultServer({
      port: opts.port ?? 0,
      keyPem: ca.keyPem,
      certPem: ca.certPem,
      state,
      tenantId: opts.tenantId,
      authority: opts.authority ?? "https://login.microsoftonline.com",
      vaultName: opts.vaultName ?? "partnerd-fake",
      location: opts.location ?? "westeurope",
    });
    return new FakeKeyVault(state, server, ca.caPem, opts);
  }

  /** Delay (ms) added before every response; 0 by default. */
  get latencyMs(): number {
    return this.#state.latencyMs;
  }
  set latencyMs(ms: number) {
    this.#state.latencyMs = checkMs("latencyMs", ms);
  }

  /** How long a recovery takes; until then the secret reads 404 and writes get 409. */
  get recoveryDelayMs(): number {
    return this.#state.recoveryDelayMs;
  }
  set recoveryDelayMs(ms: number) {
    this.#state.recoveryDelayMs = checkMs("recoveryDelayMs", ms);
  }

  /**
   * The next `count` authenticated requests fail with `status` and Key Vault's body (`Throttled` for 429,
   * `ServiceUnavailable` for 503), plus `Retry-After` when given. Nothing changes. Calls queue up.
   */
  failNext(count: number, opts: KeyVaultFailNextOptions): void {
    this.#state.failNext(count, opts);
  }

  /**
   * Withholds a secret permission (as a missing access-policy entry): requests needing it get 403
   * `Forbidden`/`AccessDenied`. `get` covers reading secrets and deleted secrets, `set` writes and
   * updates, `list` listing versions, `purge` purging.
   */
  deny(operation: KeyVaultOperation, opts: KeyVaultDenyOptions = {}): void {
    this.#state.deny(operation, opts.principal);
  }

  /** Lifts {@link deny}: for one operation, or every denial when omitted. */
  allow(operation?: KeyVaultOperation): void {
    this.#state.allow(operation);
  }

  /** Writes a secret version directly (no HTTP), e.g. one that partnerd did not create. */
  seed(name: string, value: string, opts: KeyVaultSeedOptions = {}): KeyVaultSecretVersion {
    const record = this.#state.record(name);
    if (record?.deleted || record?.recovering) {
      throw new Error("FakeKeyVault.seed: the name is soft-deleted or being recovered");
    }
    return viewOf(
      this.#state.addVersion(name, opts.tags ? { ...opts, value, tags: opts.tags } : { ...opts, value }),
    );
  }

  /** Soft-deletes a live secret directly (no HTTP); false when there is none. */
  softDelete(name: string): boolean {
    return this.#state.softDelete(name) !== undefined;
  }

  /** Whether `name` is soft-deleted (recoverable). */
  isDeleted(name: string): boolean {
    return this.#state.record(name)?.deleted !== undefined;
  }

  /** The newest version of a live secret, or `undefined` (missing, soft-deleted or being recovered). */
  secret(name: string): KeyVaultSecretSnapshot | undefined {
    const record = this.#state.live(name);
    const newest = record?.versions.at(-1);
    return record && newest ? { name: record.name, ...viewOf(newest) } : undefined;
  }

  /** Every version of `name` (live or soft-deleted), oldest first; `[]` when the name is unknown. */
  versions(name: string): KeyVaultSecretVersion[] {
    return (this.#state.record(name)?.versions ?? []).map(viewOf);
  }

  /** Every request so far, oldest first. Holds no values or tokens. */
  get requests(): readonly KeyVaultRequestRecord[] {
    return this.#state.requests;
  }

  /** Stops the server, drops keep-alive and in-flight connections. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#state.close();
      await this.#server.close();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkMs(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`FakeKeyVault.${name} must be a finite number ≥ 0`);
  return ms;
}
