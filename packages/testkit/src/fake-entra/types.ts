/** How the fake treats a refresh token once it has been redeemed. */
export type RotationMode =
  /** The presented RT is spent; reusing it fails with AADSTS70008. Makes rotation bugs loud. */
  | "single-use"
  /** The presented RT stays valid, like real Entra ID (which never revokes the old RT on use). */
  | "keep-old"
  /**
   * Strict rotation with reuse detection, like oidc-provider (`rotateRefreshToken: true`), Okta and Auth0:
   * the presented RT is spent, and presenting a spent RT again revokes every refresh token of its grant
   * (the newest one too) and fails with `invalid_grant` (AADSTS70008).
   */
  | "reuse-revokes-grant";

/** Options for {@link FakeEntra.start}. */
export interface FakeEntraOptions {
  /** TCP port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /** The home tenant (GUID) of the default user; random when omitted. */
  tenantId?: string;
  /** Default `"single-use"`. Can be changed later through `entra.rotation`. */
  rotation?: RotationMode;
  /** Overrides for the default test user. */
  user?: Partial<Omit<FakeEntraUser, "tenantId">>;
  /** What `/authorize` does once the request is valid; default `"auto"`. Settable via `entra.consent`. */
  consent?: ConsentMode;
  /** Device code flow timings; settable later via `entra.deviceCode`. */
  deviceCode?: DeviceCodeOptions;
  /**
   * Generic-OIDC realism: never return `client_info` (token responses and authorize redirects), like a
   * non-Microsoft OpenID provider. Default false. Settable via `entra.oidc`.
   */
  oidc?: boolean;
}

/**
 * How `/authorize` answers a valid request.
 * - `"auto"`: the user is signed in and has consented; 302 straight back with a code.
 * - `"page"`: an HTML consent page with "Accept" and "Cancel" (for a headless browser to click).
 * - `"deny"`: the user declines; error redirect `access_denied` AADSTS65004.
 */
export type ConsentMode = "auto" | "page" | "deny";

/** Device code flow timings (see {@link FakeEntraOptions.deviceCode}). */
export interface DeviceCodeOptions {
  /** `expires_in` of new device codes; default 900. */
  expiresInSeconds?: number;
  /** `interval` of new device codes; default 5. Fractions (e.g. 0.05) are allowed to keep tests fast. */
  intervalSeconds?: number;
  /**
   * When set, a new device code is approved automatically after this many polls were answered with
   * `authorization_pending` (0 = the first poll succeeds). Unset: only `approveDeviceCode()` approves.
   */
  approveAfterPolls?: number | undefined;
}

/** The device code settings in force. */
export interface DeviceCodeSettings {
  expiresInSeconds: number;
  intervalSeconds: number;
  approveAfterPolls: number | undefined;
}

/** The single signed-in user every user token is issued for. */
export interface FakeEntraUser {
  /** Object id; also `client_info.uid` and the `oid` claim. */
  oid: string;
  name: string;
  /** `preferred_username` / `upn` claim, e.g. `alice@contoso.test`. */
  preferredUsername: string;
  /** Home tenant; `client_info.utid`. */
  tenantId: string;
}

/** Options for {@link FakeEntra.registerClient}. */
export interface RegisterClientOptions {
  clientId: string;
  /**
   * A client secret. An app with a secret and/or a certificate is confidential and every token request
   * must authenticate with one of them; an app with neither is public.
   */
  clientSecret?: string;
  /**
   * PEM certificate(s) whose keys may sign client assertions (`private_key_jwt`), like the "Certificates"
   * of an app registration. Several entries (or several PEM blocks in one string) model key rotation.
   */
  certificatePem?: string | readonly string[];
  /**
   * Registered redirect URIs; default `["http://localhost"]`. Like Entra, the port of an `http://localhost`
   * (or `http://127.0.0.1`) redirect URI is ignored; everything else must match exactly (a trailing `/`
   * matters once a path is registered).
   */
  redirectUris?: readonly string[];
}

/** Options for {@link FakeEntra.issueRefreshToken}. */
export interface IssueRefreshTokenOptions {
  clientId: string;
  /** The exact token string (e.g. a canary `RT-CANARY-…`); random Entra-looking opaque value otherwise. */
  value?: string;
  /** Scopes the grant covers; used as the response scope when a request asks only for OIDC scopes. */
  scopes?: string[];
}

/** HTTP statuses {@link FakeEntra.failNext} can inject. */
export type InjectedFailureStatus = 429 | 500 | 502 | 503 | 504;

/** Options for {@link FakeEntra.failNext}. */
export interface FailNextOptions {
  status: InjectedFailureStatus;
  /** Sent as the `Retry-After` header (seconds) when given. */
  retryAfterSeconds?: number;
}

/** One token-endpoint request as seen by the fake. Never holds secrets or tokens. */
export interface TokenRequestRecord {
  /** The form's `grant_type` (`""` when missing). */
  grantType: string;
  /** The form's `client_id` (`""` when missing). */
  clientId: string;
  /** The tenant path segment as sent (`organizations`, a GUID, a domain…). */
  tenant: string;
  /** When the server had read the request, before the injected {@link FakeEntra.latencyMs}. */
  receivedAt: Date;
  /** When the token endpoint took the request up: after `latencyMs`, before a {@link FakeEntra.hold} gate. */
  at: Date;
  /** HTTP status the fake answered with. */
  status: number;
  /** OAuth `error` when the request failed. */
  error?: string;
  /** First AADSTS code when the request failed. */
  errorCode?: number;
  /**
   * How the client tried to authenticate: `client_secret` → `"secret"`, `client_assertion` → `"assertion"`,
   * neither → `"none"` (recorded as presented, whether or not it was accepted).
   */
  clientAuth: ClientAuthKind;
  /** Whether a client assertion carried an `x5c` header (false without an assertion). */
  x5c: boolean;
  /** The client assertion's `alg` header (`PS256`, `RS256`, …) when one was sent. */
  assertionAlg?: string;
  /** Fingerprint (as partnerd's) of the refresh token the request presented, if any. */
  presentedRefreshToken?: string;
  /** Fingerprint of the refresh token the response issued, if any. */
  issuedRefreshToken?: string;
}

export type ClientAuthKind = "secret" | "assertion" | "none";

/** One `/authorize` request as seen by the fake (its query, parsed). Holds no secrets. */
export interface AuthorizeRequestRecord {
  at: Date;
  /** Tenant path segment as sent. */
  tenant: string;
  clientId: string;
  responseType: string;
  /** `redirect_uri` as sent (`""` when missing). */
  redirectUri: string;
  /** `scope`, split on spaces. */
  scopes: string[];
  state?: string;
  nonce?: string;
  prompt?: string;
  loginHint?: string;
  /** `response_mode` as sent (absent = query). */
  responseMode?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  clientInfo?: string;
  /** Every query parameter as sent (msal's x-client-* telemetry included). */
  query: Record<string, string>;
  /**
   * What the fake answered: a redirect carrying a code (or a form_post page), the consent page, an error
   * redirect back to the app, or an HTML error page (no redirect: unknown app / bad redirect URI).
   */
  outcome: "code" | "consent-page" | "error-redirect" | "error-page";
  /** OAuth `error` / AADSTS code of an error outcome. */
  error?: string;
  errorCode?: number;
}

/** One `/devicecode` request. Holds the user code, never the device code. */
export interface DeviceCodeRequestRecord {
  at: Date;
  tenant: string;
  clientId: string;
  scopes: string[];
  status: number;
  /** Present on success. */
  userCode?: string;
  error?: string;
  errorCode?: number;
}

/** Lifecycle of a device code in the fake. */
export type DeviceCodeState = "pending" | "approved" | "declined" | "expired" | "redeemed";

/**
 * One grant: the chain of refresh tokens that started with one consent (an authorization code, a device
 * code, or a seeded {@link FakeEntra.issueRefreshToken}) and continued through rotations.
 */
export interface GrantInfo {
  /** Opaque, stable id of the grant. */
  id: string;
  clientId: string;
  /** Some refresh token of the grant would still be accepted. */
  alive: boolean;
  /** Set when presenting a spent refresh token revoked the grant (`reuse-revokes-grant`). */
  revokedByReuseAt?: Date;
  /** The most recently issued refresh token of the grant, whatever its state. */
  newestRefreshToken: string;
  /** Every refresh token of the grant, in issue order. */
  refreshTokens: string[];
}

/** Lifecycle state of a refresh token in the fake. */
export type RefreshTokenState = "valid" | "spent" | "revoked" | "expired" | "unknown";

/** A gate on the next token request; see {@link FakeEntra.hold}. */
export interface HeldRequest {
  /** Resolves once a token request is parked at the gate (before any processing). */
  arrived: Promise<void>;
  /** Lets the parked request proceed (or lets the next one through untouched if none arrived yet). */
  release(): void;
}
