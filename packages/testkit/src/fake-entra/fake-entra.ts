import { randomUUID } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import type { RotationProbe } from "../rotation-probe.ts";
import { createTestCa } from "../tls/test-ca.ts";
import { openIdConfiguration } from "./discovery.ts";
import { buildRoutes } from "./routes.ts";
import type { RunningServer } from "./server.ts";
import { startServer } from "./server.ts";
import { EntraState } from "./state.ts";
import type {
  AuthorizeRequestRecord,
  ConsentMode,
  DeviceCodeOptions,
  DeviceCodeRequestRecord,
  DeviceCodeSettings,
  DeviceCodeState,
  FailNextOptions,
  FakeEntraOptions,
  FakeEntraUser,
  GrantInfo,
  HeldRequest,
  IssueRefreshTokenOptions,
  RefreshTokenState,
  RegisterClientOptions,
  RotationMode,
  TokenRequestRecord,
} from "./types.ts";

/**
 * A loopback HTTPS fake of Microsoft Entra ID (v2 endpoints) for driving the real `@azure/msal-node`.
 *
 * ```ts
 * const entra = await FakeEntra.start();
 * entra.registerClient({ clientId, clientSecret });
 * const rt = entra.issueRefreshToken({ clientId, value: "RT-CANARY-1" });
 * new ConfidentialClientApplication({
 *   auth: { clientId, clientSecret, authority: entra.authority(), knownAuthorities: [entra.host] },
 *   system: { networkClient: createFakeEntraNetworkClient({ ca: entra.caPem }) },
 * });
 * ```
 * Endpoints: discovery, `/token` (refresh_token, client_credentials, authorization_code, device_code;
 * client secrets or certificate assertions), `/authorize` (+ its consent page, see {@link consent}) and
 * `/devicecode` — every flow of Partner Center PowerShell's `New-PartnerAccessToken`.
 * Logs nothing; error bodies never echo tokens or secrets.
 */
export class FakeEntra implements RotationProbe {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, the value for msal's `knownAuthorities`. */
  readonly host: string;
  readonly port: number;
  /** PEM of the test CA that signed the server certificate. */
  readonly caPem: string;
  /** Home tenant id (GUID) of {@link user}. */
  readonly tenantId: string;
  /** The default (and only) user that user tokens are issued for. */
  readonly user: Readonly<FakeEntraUser>;

  readonly #state: EntraState;
  readonly #server: RunningServer;
  #closed: Promise<void> | undefined;

  private constructor(state: EntraState, server: RunningServer, caPem: string) {
    this.#state = state;
    this.#server = server;
    this.port = server.port;
    this.host = `127.0.0.1:${server.port}`;
    this.url = `https://${this.host}`;
    this.caPem = caPem;
    this.tenantId = state.tenantId;
    this.user = state.user;
  }

  /** Starts the fake on 127.0.0.1 (port 0 = ephemeral) with a process-wide test CA. */
  static async start(opts: FakeEntraOptions = {}): Promise<FakeEntra> {
    const tenantId = opts.tenantId ?? randomUUID();
    const user: FakeEntraUser = {
      oid: opts.user?.oid ?? randomUUID(),
      name: opts.user?.name ?? "Test User",
      preferredUsername: opts.user?.preferredUsername ?? "test.user@partnerd.test",
      tenantId,
    };
    const state = new EntraState(tenantId, user, checkRotationMode(opts.rotation ?? "single-use"));
    state.consent = checkConsentMode(opts.consent ?? "auto");
    state.oidc = opts.oidc ?? false;
    if (opts.deviceCode) state.setDeviceCodeOptions(opts.deviceCode);
    const ca = await createTestCa();
    const server = await startServer({
      port: opts.port ?? 0,
      keyPem: ca.keyPem,
      certPem: ca.certPem,
      routes: buildRoutes(state),
      latencyMs: () => state.latencyMs,
    });
    return new FakeEntra(state, server, ca.caPem);
  }

  /** `https://127.0.0.1:PORT/<tenant>`; tenant defaults to `organizations`. */
  authority(tenant = "organizations"): string {
    return `${this.url}/${tenant}`;
  }

  /** `https://127.0.0.1:PORT/<tenant>/oauth2/v2.0/token`. */
  tokenEndpoint(tenant = "organizations"): string {
    return `${this.authority(tenant)}/oauth2/v2.0/token`;
  }

  /** The openid-configuration document as JSON text, usable as msal's `authorityMetadata`. */
  authorityMetadata(tenant = "organizations"): string {
    return JSON.stringify(openIdConfiguration(this.url, tenant, this.tenantId));
  }

  /** Writes {@link caPem} to `path` with mode 0600. */
  async writeCaFile(path: string): Promise<void> {
    await writeFile(path, this.caPem, { mode: 0o600 });
    await chmod(path, 0o600);
  }

  /**
   * RT rotation on redemption; may be changed at any time. `"single-use"` (default): a redeemed RT is
   * spent. `"keep-old"`: it stays valid (Entra ID). `"reuse-revokes-grant"`: spent, and presenting it
   * again revokes its whole grant (oidc-provider, Okta, Auth0); see {@link grant}.
   */
  get rotation(): RotationMode {
    return this.#state.rotation;
  }
  set rotation(mode: RotationMode) {
    this.#state.rotation = checkRotationMode(mode);
  }

  /**
   * The customer tenants (GUIDs) the user may reach besides the home tenant, as under GDAP; a user
   * token request for any other tenant fails with AADSTS50020. `undefined` (the default): every tenant.
   */
  get reachableTenants(): readonly string[] | undefined {
    return this.#state.reachableTenants && [...this.#state.reachableTenants];
  }
  set reachableTenants(tenants: readonly string[] | undefined) {
    this.#state.reachableTenants = tenants && new Set(tenants.map((t) => t.toLowerCase()));
  }

  /** Delay (ms) added before every response; 0 by default. */
  get latencyMs(): number {
    return this.#state.latencyMs;
  }
  set latencyMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new Error("FakeEntra.latencyMs must be a finite number ≥ 0");
    this.#state.latencyMs = ms;
  }

  /**
   * Registers an app. With a `clientSecret` and/or `certificatePem` it is confidential (token requests
   * must authenticate with the secret or a client assertion signed by one of the certificates' keys),
   * without either it is public. `redirectUris` default to `["http://localhost"]` (any port).
   * Re-registering replaces the app (its issued tokens and codes stay).
   */
  registerClient(opts: RegisterClientOptions): void {
    this.#state.registerClient(opts);
  }

  /** What `/authorize` does with a valid request: `"auto"` (default), `"page"` or `"deny"`. */
  get consent(): ConsentMode {
    return this.#state.consent;
  }
  set consent(mode: ConsentMode) {
    this.#state.consent = checkConsentMode(mode);
  }

  /** Generic-OIDC mode: no `client_info` in token responses or authorize redirects. */
  get oidc(): boolean {
    return this.#state.oidc;
  }
  set oidc(on: boolean) {
    this.#state.oidc = on;
  }

  /**
   * Device code timings for codes issued from now on. Assigning merges: `entra.deviceCode =
   * { intervalSeconds: 0.05 }` keeps the other settings; `{ approveAfterPolls: undefined }` clears it.
   */
  get deviceCode(): Readonly<DeviceCodeSettings> {
    return this.#state.deviceCode;
  }
  set deviceCode(opts: DeviceCodeOptions) {
    this.#state.setDeviceCodeOptions(opts);
  }

  /** Every `/authorize` request so far (oldest first), with its parsed query and outcome. */
  get authorizeRequests(): readonly AuthorizeRequestRecord[] {
    return this.#state.authorizeRequests;
  }

  /** Every `/devicecode` request so far (oldest first). Holds user codes, never device codes. */
  get deviceCodeRequests(): readonly DeviceCodeRequestRecord[] {
    return this.#state.deviceCodeRequests;
  }

  /** Every authorization code issued so far and not yet redeemed now fails with AADSTS70008. */
  expireAuthorizationCodes(): void {
    this.#state.expireAuthorizationCodes();
  }

  /**
   * The user signs in with `userCode` (the latest device code when omitted): the next poll gets tokens.
   * Throws if there is no such code or it is already declined, expired or redeemed.
   */
  approveDeviceCode(userCode?: string): void {
    this.#state.settleDeviceCode(userCode, "approved");
  }

  /** The user declines: the next poll gets `authorization_declined`. */
  declineDeviceCode(userCode?: string): void {
    this.#state.settleDeviceCode(userCode, "declined");
  }

  /** The device code expires now: the next poll gets `expired_token` (AADSTS70020). */
  expireDeviceCode(userCode?: string): void {
    this.#state.settleDeviceCode(userCode, "expired");
  }

  /** `pending`, `approved`, `declined`, `expired`, `redeemed`, or undefined for an unknown user code. */
  deviceCodeState(userCode: string): DeviceCodeState | undefined {
    return this.#state.deviceCodeState(userCode);
  }

  /** Seeds a valid refresh token for a registered client and returns it. It starts a grant of its own. */
  issueRefreshToken(opts: IssueRefreshTokenOptions): string {
    return this.#state.issueRefreshToken(opts);
  }

  /** The next use of `rt` fails with `invalid_grant` AADSTS700082 (expired due to inactivity). */
  expireRefreshToken(rt: string): void {
    this.#state.setRefreshTokenState(rt, "expired");
  }

  /** The next use of `rt` fails with `invalid_grant` AADSTS70008. */
  revokeRefreshToken(rt: string): void {
    this.#state.setRefreshTokenState(rt, "revoked");
  }

  /**
   * The next `count` token requests fail with `status` and an Entra-like body (429 →
   * `temporarily_unavailable` AADSTS90055; 500 → `server_error` AADSTS50033; 502/503/504 →
   * `temporarily_unavailable` AADSTS90033), plus `Retry-After` when given. Nothing rotates. Calls queue up.
   */
  failNext(count: number, opts: FailNextOptions): void {
    this.#state.failNext(count, opts);
  }

  /**
   * Parks the NEXT token request before it is processed until `release()`. `arrived` resolves once it is
   * parked. Several holds gate successive requests. If the caller disconnects meanwhile, the request is
   * still processed on release (like Entra, which already has it).
   */
  hold(): HeldRequest {
    return this.#state.hold();
  }

  /** Every token-endpoint request so far (oldest first). Holds no secrets or tokens. */
  get tokenRequests(): readonly TokenRequestRecord[] {
    return this.#state.tokenRequests;
  }

  /** `tokenRequests.length`: token-endpoint requests that reached the fake, whatever their outcome. */
  get tokenRequestCount(): number {
    return this.#state.tokenRequests.length;
  }

  /** Number of successful refresh-token redemptions. */
  get redemptionCount(): number {
    return this.#state.redemptionCount;
  }

  /** Every access, refresh and id token the fake has sent (seeded refresh tokens too), spent or not. */
  issuedTokens(): string[] {
    return this.#state.issuedTokens();
  }

  /** Whether `rt` would currently be accepted (for its own client). */
  isValidRefreshToken(rt: string): boolean {
    return this.#state.refreshTokenState(rt) === "valid";
  }

  /** `valid`, `spent` (single-use rotation), `revoked`, `expired` or `unknown`. */
  refreshTokenState(rt: string): RefreshTokenState {
    return this.#state.refreshTokenState(rt);
  }

  /**
   * The grant `rt` belongs to (the chain of refresh tokens from one consent): whether it is alive, its
   * newest refresh token, all of its tokens, and when reuse revoked it. Undefined for an unknown token.
   */
  grant(rt: string): GrantInfo | undefined {
    return this.#state.grantOf(rt);
  }

  /** Whether some refresh token of `rt`'s grant would still be accepted (false for an unknown token). */
  isGrantAlive(rt: string): boolean {
    return this.#state.grantOf(rt)?.alive ?? false;
  }

  /** The most recently issued refresh token of `rt`'s grant (whatever its state); throws if unknown. */
  newestRefreshToken(rt: string): string {
    const grant = this.#state.grantOf(rt);
    if (!grant) throw new Error("FakeEntra: unknown refresh token");
    return grant.newestRefreshToken;
  }

  /**
   * How many refresh_token requests presented `rt` (counted once a request gets past injected failures
   * and client authentication, whatever the outcome). More than 1 means a duplicate redemption.
   */
  presentationCount(rt: string): number {
    return this.#state.refreshToken(rt)?.presentations ?? 0;
  }

  /** Refresh tokens presented more than once (see {@link presentationCount}), optionally of one client. */
  reusedRefreshTokens(clientId?: string): string[] {
    return this.#state.reusedRefreshTokens(clientId);
  }

  /** All currently valid refresh tokens, optionally of one client, in issue order. */
  validRefreshTokens(clientId?: string): string[] {
    return this.#state.validRefreshTokens(clientId);
  }

  /** Stops the server, drops keep-alive and in-flight connections and aborts held requests. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#state.releaseAll();
      await this.#server.close();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

const ROTATION_MODES: readonly RotationMode[] = ["single-use", "keep-old", "reuse-revokes-grant"];

function checkRotationMode(mode: RotationMode): RotationMode {
  if (!ROTATION_MODES.includes(mode)) {
    throw new Error('FakeEntra.rotation must be "single-use", "keep-old" or "reuse-revokes-grant"');
  }
  return mode;
}

function checkConsentMode(mode: ConsentMode): ConsentMode {
  if (mode !== "auto" && mode !== "page" && mode !== "deny") {
    throw new Error('FakeEntra.consent must be "auto", "page" or "deny"');
  }
  return mode;
}
