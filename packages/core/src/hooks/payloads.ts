import type { HookEventName } from "./event-names.ts";

/** Every payload: JSON-ready (ISO times), never a refresh token, an access token only when asked. */
export interface HookPayloadBase<E extends HookEventName> {
  event: E;
  profile: string;
  /** When it happened (ISO 8601). */
  at: string;
}

export interface RefreshedPayload extends HookPayloadBase<"refreshed"> {
  previousFingerprint: string;
  fingerprint: string;
  /** False when the provider kept the same refresh token. */
  rotated: boolean;
  /** True when the token came from the journal after a crash or a store outage. */
  replayed: boolean;
  /** Where the token now is, with each store's version. */
  stores: { store: string; name: string; version: string }[];
  accessTokenExpiresAt: string;
  /** When the stored refresh token dies if it is never redeemed again. */
  refreshTokenExpiresAt: string;
  daysUntilRefreshTokenExpires: number;
}

export type FailureClass = "transient" | "store" | "config" | "needs-consent";

export interface FailedPayload extends HookPayloadBase<"failed"> {
  class: FailureClass;
  code: string;
  message: string;
  /** The AADSTS number when Entra sent one. */
  aadsts?: number;
  /** What to do, ready to run, when partnerd knows (`partnerd login pc`). */
  hint?: string;
}

export interface NeedsConsentPayload extends HookPayloadBase<"needs-consent"> {
  /** The command a person runs to consent again. */
  command: string;
  code: string;
  message: string;
  aadsts?: number;
}

export interface RecoveredPayload extends HookPayloadBase<"recovered"> {
  /** The first failure of the run of failures that just ended. */
  failingSince: string;
  fingerprint: string;
}

export interface ExpiringPayload extends HookPayloadBase<"expiring"> {
  /** inactive: not redeemed for `expiringAfterDays`; schedule-gap: the next scheduled run comes too late. */
  reason: "inactive" | "schedule-gap";
  lastRedeemedAt: string;
  refreshTokenExpiresAt: string;
  daysUntilRefreshTokenExpires: number;
  nextRunAt?: string;
  /** What to do: refresh now, or consent again when it is too late. */
  hint: string;
}

export interface HookPayloadMap {
  refreshed: RefreshedPayload;
  failed: FailedPayload;
  "needs-consent": NeedsConsentPayload;
  recovered: RecoveredPayload;
  expiring: ExpiringPayload;
}

export type HookPayload = HookPayloadMap[HookEventName];
