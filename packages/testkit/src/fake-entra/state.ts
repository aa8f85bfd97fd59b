import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { HoldGates } from "../loopback/hold-gates.ts";
import type { RegisteredCertificate } from "./certificates.ts";
import { parseCertificates } from "./certificates.ts";
import { newRefreshTokenValue } from "./minting.ts";
import { DEFAULT_REDIRECT_URIS } from "./redirect-uris.ts";
import type {
  AuthorizeRequestRecord,
  ConsentMode,
  DeviceCodeOptions,
  DeviceCodeRequestRecord,
  DeviceCodeSettings,
  DeviceCodeState,
  FailNextOptions,
  FakeEntraUser,
  GrantInfo,
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
  /** Absent when the app has no secret. */
  clientSecret?: string;
  /** Certificates whose keys may sign client assertions; empty when none. */
  certificates: RegisteredCertificate[];
  /** Registered redirect URIs (see `redirect-uris.ts` for matching). */
  redirectUris: string[];
  /** Stable `oid` of the app's service principal (app-only tokens). */
  servicePrincipalId: string;
}

/** Confidential = has a secret and/or a certificate; public otherwise. */
export function isConfidential(client: ClientRecord): boolean {
  return client.clientSecret !== undefined || client.certificates.length > 0;
}

/** Authorization codes live 10 minutes, like Entra's. */
export const AUTHORIZATION_CODE_LIFETIME_MS = 10 * 60_000;
/** A consent page left open longer than this can no longer be accepted. */
export const CONSENT_PAGE_LIFETIME_MS = 10 * 60_000;

/** The validated part of an `/authorize` request that a code (or a pending consent) is bound to. */
export interface AuthorizeGrant {
  tenant: string;
  clientId: string;
  /** The redirect_uri exactly as sent. */
  redirectUri: string;
  responseMode: "query" | "fragment" | "form_post";
  /** All requested scopes, OIDC ones included. */
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  /** The request asked for `client_info=1`. */
  clientInfo: boolean;
}

/** An issued authorization code. */
export interface AuthorizationCodeRecord extends AuthorizeGrant {
  issuedAt: Date;
  expiresAt: Date;
  status: "valid" | "redeemed" | "expired";
}

/** An issued device code. */
export interface DeviceCodeRecord {
  userCode: string;
  clientId: string;
  tenant: string;
  scopes: string[];
  issuedAt: Date;
  expiresAt: Date;
  /** Polls answered with authorization_pending so far. */
  pendingPolls: number;
  approveAfterPolls: number | undefined;
  state: DeviceCodeState;
}

/** A refresh token the fake has issued. */
export interface RefreshTokenRecord {
  clientId: string;
  /** The grant (consent) this token continues; see {@link GrantRecord}. */
  grantId: string;
  scopes: string[];
  issuedAt: Date;
  state: Exclude<RefreshTokenState, "unknown">;
  /** How many refresh_token requests presented it (those that reached the grant handler). */
  presentations: number;
}

/** A chain of refresh tokens from one consent. */
interface GrantRecord {
  clientId: string;
  /** Token values in issue order. */
  tokens: string[];
  revokedByReuseAt?: Date;
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
  /** Other tenants the user may reach (GDAP customers); `undefined`: every tenant. */
  reachableTenants: Set<string> | undefined;
  redemptionCount = 0;
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly authorizeRequests: AuthorizeRequestRecord[] = [];
  readonly deviceCodeRequests: DeviceCodeRequestRecord[] = [];
  consent: ConsentMode = "auto";
  oidc = false;
  deviceCode: DeviceCodeSettings = {
    expiresInSeconds: 900,
    intervalSeconds: 5,
    approveAfterPolls: undefined,
  };

  readonly #clients = new Map<string, ClientRecord>();
  readonly #codes = new Map<string, AuthorizationCodeRecord>();
  readonly #consents = new Map<string, { grant: AuthorizeGrant; expiresAt: number }>();
  /** Keyed by device_code; insertion order = issue order. */
  readonly #deviceCodes = new Map<string, DeviceCodeRecord>();
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly #grants = new Map<string, GrantRecord>();
  /** Every token handed out over the wire, for tests that check none of them leaks. */
  readonly #issued = new Set<string>();
  readonly #failures: FailNextOptions[] = [];
  readonly #holds = new HoldGates();

  constructor(tenantId: string, user: FakeEntraUser, rotation: RotationMode) {
    this.tenantId = tenantId;
    this.user = user;
    this.rotation = rotation;
  }

  // ---- clients -------------------------------------------------------------------------------------------

  registerClient(opts: RegisterClientOptions): ClientRecord {
    if (!opts.clientId) throw new Error("FakeEntra.registerClient: clientId is required");
    if (opts.clientSecret === "") throw new Error("FakeEntra.registerClient: clientSecret must not be empty");
    const record: ClientRecord = {
      clientId: opts.clientId,
      certificates: opts.certificatePem === undefined ? [] : parseCertificates(opts.certificatePem),
      redirectUris: [...(opts.redirectUris ?? DEFAULT_REDIRECT_URIS)],
      servicePrincipalId: randomUUID(),
    };
    if (opts.clientSecret !== undefined) record.clientSecret = opts.clientSecret;
    this.#clients.set(opts.clientId, record);
    return record;
  }

  client(clientId: string): ClientRecord | undefined {
    return this.#clients.get(clientId);
  }

  // ---- refresh tokens ------------------------------------------------------------------------------------

  recordIssued(...tokens: unknown[]): void {
    for (const token of tokens) if (typeof token === "string") this.#issued.add(token);
  }

  issuedTokens(): string[] {
    return [...this.#issued];
  }

  /** Issues a valid RT: the next one of `grantId`'s chain, or the first of a new grant when omitted. */
  issueRefreshToken(opts: IssueRefreshTokenOptions, grantId?: string): string {
    if (!this.#clients.has(opts.clientId)) {
      throw new Error("FakeEntra.issueRefreshToken: client is not registered (call registerClient first)");
    }
    const value = opts.value ?? newRefreshTokenValue();
    if (value === "" || /\s/.test(value)) throw new Error("FakeEntra.issueRefreshToken: invalid token value");
    this.#issued.add(value);
    if (this.#refreshTokens.has(value))
      throw new Error("FakeEntra.issueRefreshToken: token value already issued");
    let grant = grantId === undefined ? undefined : this.#grants.get(grantId);
    if (grantId === undefined || !grant) {
      grantId = randomUUID();
      grant = { clientId: opts.clientId, tokens: [] };
      this.#grants.set(grantId, grant);
    }
    grant.tokens.push(value);
    this.#refreshTokens.set(value, {
      clientId: opts.clientId,
      grantId,
      scopes: [...(opts.scopes ?? [])],
      issuedAt: new Date(),
      state: "valid",
      presentations: 0,
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

  /**
   * `reuse-revokes-grant`: a spent RT came back. Every RT of its grant is revoked, the newest included,
   * as oidc-provider does on refresh token reuse.
   */
  revokeGrantForReuse(grantId: string, now: Date): void {
    const grant = this.#grants.get(grantId);
    if (!grant) return;
    grant.revokedByReuseAt ??= now;
    for (const value of grant.tokens) {
      const record = this.#refreshTokens.get(value);
      if (record) record.state = "revoked";
    }
  }

  /** The grant `rt` belongs to, as a snapshot; undefined for an unknown token. */
  grantOf(rt: string): GrantInfo | undefined {
    const grantId = this.#refreshTokens.get(rt)?.grantId;
    const grant = grantId === undefined ? undefined : this.#grants.get(grantId);
    if (grantId === undefined || !grant) return undefined;
    const info: GrantInfo = {
      id: grantId,
      clientId: grant.clientId,
      alive: grant.tokens.some((value) => this.#refreshTokens.get(value)?.state === "valid"),
      newestRefreshToken: grant.tokens.at(-1) ?? rt,
      refreshTokens: [...grant.tokens],
    };
    if (grant.revokedByReuseAt) info.revokedByReuseAt = grant.revokedByReuseAt;
    return info;
  }

  /** Tokens presented more than once to the refresh_token grant, optionally of one client, in issue order. */
  reusedRefreshTokens(clientId?: string): string[] {
    const out: string[] = [];
    for (const [value, rt] of this.#refreshTokens) {
      if (rt.presentations > 1 && (clientId === undefined || rt.clientId === clientId)) out.push(value);
    }
    return out;
  }

  validRefreshTokens(clientId?: string): string[] {
    const out: string[] = [];
    for (const [value, rt] of this.#refreshTokens) {
      if (rt.state === "valid" && (clientId === undefined || rt.clientId === clientId)) out.push(value);
    }
    return out;
  }

  // ---- authorization codes --------------------------------------------------------------------------------

  issueAuthorizationCode(grant: AuthorizeGrant, now: Date): string {
    const code = `1.AX${randomBytes(240).toString("base64url")}`;
    this.#codes.set(code, {
      ...grant,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_LIFETIME_MS),
      status: "valid",
    });
    return code;
  }

  /** The code's record, with `status` moved to `expired` once past its lifetime. */
  authorizationCode(code: string, now: Date): AuthorizationCodeRecord | undefined {
    const record = this.#codes.get(code);
    if (record?.status === "valid" && now.getTime() > record.expiresAt.getTime()) record.status = "expired";
    return record;
  }

  expireAuthorizationCodes(): void {
    for (const record of this.#codes.values()) if (record.status === "valid") record.status = "expired";
  }

  /** Parks a validated authorize request behind the consent page; returns the page's request id. */
  addPendingConsent(grant: AuthorizeGrant, now: Date): string {
    const id = randomUUID();
    this.#consents.set(id, { grant, expiresAt: now.getTime() + CONSENT_PAGE_LIFETIME_MS });
    return id;
  }

  /** Takes (single use) a pending consent; undefined when unknown or too old. */
  takePendingConsent(id: string, now: Date): AuthorizeGrant | undefined {
    const pending = this.#consents.get(id);
    this.#consents.delete(id);
    return pending && now.getTime() <= pending.expiresAt ? pending.grant : undefined;
  }

  // ---- device codes --------------------------------------------------------------------------------------

  setDeviceCodeOptions(opts: DeviceCodeOptions): void {
    const next = { ...this.deviceCode };
    if (opts.expiresInSeconds !== undefined) next.expiresInSeconds = opts.expiresInSeconds;
    if (opts.intervalSeconds !== undefined) next.intervalSeconds = opts.intervalSeconds;
    if ("approveAfterPolls" in opts) next.approveAfterPolls = opts.approveAfterPolls;
    if (!Number.isFinite(next.expiresInSeconds) || next.expiresInSeconds <= 0) {
      throw new Error("FakeEntra: deviceCode.expiresInSeconds must be a positive number");
    }
    if (!Number.isFinite(next.intervalSeconds) || next.intervalSeconds < 0) {
      throw new Error("FakeEntra: deviceCode.intervalSeconds must be a number ≥ 0");
    }
    const n = next.approveAfterPolls;
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
      throw new Error("FakeEntra: deviceCode.approveAfterPolls must be an integer ≥ 0");
    }
    this.deviceCode = next;
  }

  issueDeviceCode(input: { clientId: string; tenant: string; scopes: string[]; now: Date }): {
    deviceCode: string;
    record: DeviceCodeRecord;
  } {
    const deviceCode = `DAQABIQEAAAD${randomBytes(200).toString("base64url")}`;
    const record: DeviceCodeRecord = {
      userCode: this.#newUserCode(),
      clientId: input.clientId,
      tenant: input.tenant,
      scopes: input.scopes,
      issuedAt: input.now,
      expiresAt: new Date(input.now.getTime() + this.deviceCode.expiresInSeconds * 1000),
      pendingPolls: 0,
      approveAfterPolls: this.deviceCode.approveAfterPolls,
      state: "pending",
    };
    this.#deviceCodes.set(deviceCode, record);
    return { deviceCode, record };
  }

  /** The device code's record, with `state` moved to `expired` once past `expires_in`. */
  deviceCodeRecord(deviceCode: string, now: Date): DeviceCodeRecord | undefined {
    const record = this.#deviceCodes.get(deviceCode);
    if (record && (record.state === "pending" || record.state === "approved") && now > record.expiresAt) {
      record.state = "expired";
    }
    return record;
  }

  /**
   * Moves a device code (by user code; the latest issued one when omitted) from `pending`/`approved` to
   * `state`. Throws when there is no such code or it is already settled.
   */
  settleDeviceCode(userCode: string | undefined, state: "approved" | "declined" | "expired"): void {
    const all = [...this.#deviceCodes.values()];
    const record =
      userCode === undefined
        ? all.at(-1)
        : all.find((r) => r.userCode.toUpperCase() === userCode.trim().toUpperCase());
    if (!record) throw new Error("FakeEntra: no such device code");
    if (record.state !== "pending" && record.state !== "approved") {
      throw new Error(`FakeEntra: the device code is already ${record.state}`);
    }
    record.state = state;
  }

  deviceCodeState(userCode: string): DeviceCodeState | undefined {
    for (const r of this.#deviceCodes.values()) if (r.userCode === userCode) return r.state;
    return undefined;
  }

  #newUserCode(): string {
    // Entra's user codes: 9 upper-case letters/digits, e.g. F7KQ2XRTN (no look-alikes here).
    const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (;;) {
      let code = "";
      for (let i = 0; i < 9; i++) code += alphabet[randomInt(alphabet.length)];
      if (this.deviceCodeState(code) === undefined) return code;
    }
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
    return this.#holds.hold();
  }

  /** Parks the caller at the next hold, if any; `false` when the fake closes meanwhile. */
  passGate(): Promise<boolean> {
    return this.#holds.pass();
  }

  /** Aborts every parked request and drops pending gates/failures (used by close()). */
  releaseAll(): void {
    this.#holds.abortAll();
    this.#failures.length = 0;
  }
}
