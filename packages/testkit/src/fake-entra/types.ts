/** How the fake treats a refresh token once it has been redeemed. */
export type RotationMode =
  /** The presented RT is spent; reusing it fails with AADSTS70008. Makes rotation bugs loud. */
  | "single-use"
  /** The presented RT stays valid, like real Entra ID (which never revokes the old RT on use). */
  | "keep-old";

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
  /** With a secret the app is confidential and token requests must carry it; without, it is public. */
  clientSecret?: string;
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
  /** When the request arrived. */
  at: Date;
  /** HTTP status the fake answered with. */
  status: number;
  /** OAuth `error` when the request failed. */
  error?: string;
  /** First AADSTS code when the request failed. */
  errorCode?: number;
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
