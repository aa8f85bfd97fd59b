import { createTestCa } from "../tls/test-ca.ts";
import { createDispatcher, Switches } from "./dispatch.ts";
import { type RunningServer, startServer } from "./server.ts";
import { SecretsManagerState } from "./state.ts";
import type {
  FakeSecretsManagerOptions,
  SecretsManagerDropOptions,
  SecretsManagerFailNextOptions,
  SecretsManagerHeldRequest,
  SecretsManagerHoldOptions,
  SecretsManagerRequestRecord,
  SecretsManagerSecretSnapshot,
} from "./types.ts";

/**
 * A loopback HTTP fake of AWS Secrets Manager (awsJson1_1) for driving the real
 * `@aws-sdk/client-secrets-manager` over real sockets.
 *
 * ```ts
 * process.env.AWS_EC2_METADATA_DISABLED = "true";
 * const sm = await FakeSecretsManager.start();
 * const client = new SecretsManagerClient({
 *   endpoint: sm.url, region: "us-east-1",
 *   credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
 * });
 * ```
 * Implements CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret, DeleteSecret, RestoreSecret,
 * TagResource, UntagResource and ListSecretVersionIds with AWS's staging-label, idempotency-token and
 * scheduled-deletion rules. SigV4 headers must be present; signatures are not checked. Logs nothing.
 */
export class FakeSecretsManager {
  /** `http://127.0.0.1:PORT` (`https://` with `tls: true`), the client's `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** With `tls: true`, the PEM of the test CA that signed the server certificate (FakeEntra's CA too). */
  readonly caPem: string | undefined;
  /** Region in ARNs. */
  readonly region: string;
  readonly accountId: string;

  readonly #state: SecretsManagerState;
  readonly #switches: Switches;
  readonly #requests: SecretsManagerRequestRecord[];
  readonly #server: RunningServer;
  #closed: Promise<void> | undefined;

  private constructor(
    state: SecretsManagerState,
    switches: Switches,
    requests: SecretsManagerRequestRecord[],
    server: RunningServer,
    caPem: string | undefined,
  ) {
    this.#state = state;
    this.#switches = switches;
    this.#requests = requests;
    this.#server = server;
    this.port = server.port;
    this.url = server.baseUrl;
    this.caPem = caPem;
    this.region = state.region;
    this.accountId = state.accountId;
  }

  /** Starts the fake on 127.0.0.1 (port 0 = ephemeral). */
  static async start(opts: FakeSecretsManagerOptions = {}): Promise<FakeSecretsManager> {
    const maxVersions = opts.maxVersionsPerSecret ?? 100;
    if (!Number.isInteger(maxVersions) || maxVersions < 1) {
      throw new Error("FakeSecretsManager: maxVersionsPerSecret must be an integer ≥ 1");
    }
    const state = new SecretsManagerState({
      region: opts.region ?? "us-east-1",
      accountId: opts.accountId ?? "123456789012",
      maxVersions,
      now: opts.now ?? Date.now,
    });
    const switches = new Switches();
    const requests: SecretsManagerRequestRecord[] = [];
    const ca = opts.tls ? await createTestCa() : undefined;
    const server = await startServer({
      port: opts.port ?? 0,
      tls: ca,
      handle: createDispatcher(state, switches, requests),
      latencyMs: () => switches.latencyMs,
      now: state.now,
    });
    return new FakeSecretsManager(state, switches, requests, server, ca?.caPem);
  }

  /** Delay (ms) added before every response; 0 by default. */
  get latencyMs(): number {
    return this.#switches.latencyMs;
  }
  set latencyMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error("FakeSecretsManager.latencyMs must be a finite number ≥ 0");
    }
    this.#switches.latencyMs = ms;
  }

  /**
   * The next `count` requests (of `opts.operation` only, when given) fail before they are processed, with
   * AWS's status and body `{"__type": type, "message": …}`: ThrottlingException 400, InternalServiceError
   * 500, AccessDeniedException 400 (naming `secretsmanager:<Op>`), DecryptionFailure 400. Calls queue up.
   */
  failNext(count: number, opts: SecretsManagerFailNextOptions): void {
    this.#switches.failNext(count, opts);
  }

  /**
   * The next `count` requests (of `opts.operation` only, when given) are processed, so their effects
   * land, but the connection is closed without an answer: the client sees a network error, as when a
   * response is lost. Their `requests` entry has status 0.
   */
  dropResponseNext(count = 1, opts: SecretsManagerDropOptions = {}): void {
    this.#switches.dropResponseNext(count, opts);
  }

  /**
   * Parks the NEXT request (of `opts.operation` only, when given) after `latencyMs` and before it is
   * processed or logged, until `release()`. `arrived` resolves once it is parked. Several holds gate
   * successive requests. `close()` drops parked requests unprocessed.
   */
  hold(opts: SecretsManagerHoldOptions = {}): SecretsManagerHeldRequest {
    return this.#switches.hold(opts);
  }

  /** Every request so far, oldest first. Holds no secret values. */
  get requests(): readonly SecretsManagerRequestRecord[] {
    return this.#requests;
  }

  /** Requests of one operation, e.g. `"PutSecretValue"`. */
  requestsFor(operation: string): SecretsManagerRequestRecord[] {
    return this.#requests.filter((r) => r.operation === operation);
  }

  /** Forgets the request log. */
  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** A copy of what the fake holds for the secret `nameOrArn` (values included), or `undefined`. */
  secret(nameOrArn: string): SecretsManagerSecretSnapshot | undefined {
    return this.#state.snapshot(nameOrArn);
  }

  /** Names of all secrets, including those scheduled for deletion. */
  secretNames(): string[] {
    return this.#state.names();
  }

  /**
   * Stops the server, drops keep-alive and in-flight connections and parked ({@link hold}) requests.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#switches.clear();
      await this.#server.close();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
