import { randomUUID } from "node:crypto";
import { newRefreshTokenValue } from "./minting.ts";
import type {
  FailNextOptions,
  FakeEntraUser,
  HeldRequest,
  IssueRefreshTokenOptions,
  RefreshTokenState,
  RegisterClientOptions,
  RotationMode,
  TokenRequestRecord,
} from "./types.ts";

/** A registered application. */
export interface ClientRecord {
  clientId: string;
  /** Absent for public clients. */
  clientSecret?: string;
  /** Stable `oid` of the app's service principal (app-only tokens). */
  servicePrincipalId: string;
}

/** A refresh token the fake has issued. */
export interface RefreshTokenRecord {
  clientId: string;
  scopes: string[];
  issuedAt: Date;
  state: Exclude<RefreshTokenState, "unknown">;
}

interface Gate {
  arrive: () => void;
  released: Promise<void>;
}

/**
 * Everything the fake knows: registered clients, issued refresh tokens, switches (failures, holds,
 * latency) and the request log. Pure in-memory state; the HTTP layer and grant handlers operate on it.
 */
export class EntraState {
  readonly tenantId: string;
  readonly user: FakeEntraUser;
  rotation: RotationMode;
  latencyMs = 0;
  redemptionCount = 0;
  readonly tokenRequests: TokenRequestRecord[] = [];

  readonly #clients = new Map<string, ClientRecord>();
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly #failures: FailNextOptions[] = [];
  readonly #gates: Gate[] = [];
  readonly #parked = new Set<() => void>();

  constructor(tenantId: string, user: FakeEntraUser, rotation: RotationMode) {
    this.tenantId = tenantId;
    this.user = user;
    this.rotation = rotation;
  }

  // ---- clients -------------------------------------------------------------------------------------------

  registerClient(opts: RegisterClientOptions): ClientRecord {
    if (!opts.clientId) throw new Error("FakeEntra.registerClient: clientId is required");
    const record: ClientRecord = { clientId: opts.clientId, servicePrincipalId: randomUUID() };
    if (opts.clientSecret !== undefined) record.clientSecret = opts.clientSecret;
    this.#clients.set(opts.clientId, record);
    return record;
  }

  client(clientId: string): ClientRecord | undefined {
    return this.#clients.get(clientId);
  }

  // ---- refresh tokens ------------------------------------------------------------------------------------

  issueRefreshToken(opts: IssueRefreshTokenOptions): string {
    if (!this.#clients.has(opts.clientId)) {
      throw new Error("FakeEntra.issueRefreshToken: client is not registered (call registerClient first)");
    }
    const value = opts.value ?? newRefreshTokenValue();
    if (value === "" || /\s/.test(value)) throw new Error("FakeEntra.issueRefreshToken: invalid token value");
    if (this.#refreshTokens.has(value))
      throw new Error("FakeEntra.issueRefreshToken: token value already issued");
    this.#refreshTokens.set(value, {
      clientId: opts.clientId,
      scopes: [...(opts.scopes ?? [])],
      issuedAt: new Date(),
      state: "valid",
    });
    return value;
  }

  refreshToken(value: string): RefreshTokenRecord | undefined {
    return this.#refreshTokens.get(value);
  }

  /** Moves a known RT to a terminal state. Throws (without echoing the token) if unknown. */
  setRefreshTokenState(value: string, state: "spent" | "revoked" | "expired"): void {
    const record = this.#refreshTokens.get(value);
    if (!record) throw new Error("FakeEntra: unknown refresh token");
    record.state = state;
  }

  refreshTokenState(value: string): RefreshTokenState {
    return this.#refreshTokens.get(value)?.state ?? "unknown";
  }

  validRefreshTokens(clientId?: string): string[] {
    const out: string[] = [];
    for (const [value, rt] of this.#refreshTokens) {
      if (rt.state === "valid" && (clientId === undefined || rt.clientId === clientId)) out.push(value);
    }
    return out;
  }

  // ---- switches ------------------------------------------------------------------------------------------

  failNext(count: number, opts: FailNextOptions): void {
    if (!Number.isInteger(count) || count < 0)
      throw new Error("FakeEntra.failNext: count must be an integer ≥ 0");
    for (let i = 0; i < count; i++) this.#failures.push({ ...opts });
  }

  takeFailure(): FailNextOptions | undefined {
    return this.#failures.shift();
  }

  hold(): HeldRequest {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => {
      arrive = r;
    });
    const released = new Promise<void>((r) => {
      release = r;
    });
    this.#gates.push({ arrive, released });
    return {
      arrived,
      release: () => {
        release();
      },
    };
  }

  /**
   * Parks the caller at the next gate, if any. Resolves `true` when released (or when there was no gate),
   * `false` when the fake is closing and the request must not be processed.
   */
  async passGate(): Promise<boolean> {
    const gate = this.#gates.shift();
    if (!gate) return true;
    let abort!: () => void;
    const aborted = new Promise<false>((r) => {
      abort = () => r(false);
    });
    this.#parked.add(abort);
    gate.arrive();
    try {
      return await Promise.race([gate.released.then(() => true), aborted]);
    } finally {
      this.#parked.delete(abort);
    }
  }

  /** Aborts every parked request and drops pending gates/failures (used by close()). */
  releaseAll(): void {
    for (const abort of this.#parked) abort();
    this.#parked.clear();
    this.#gates.length = 0;
    this.#failures.length = 0;
  }
}
