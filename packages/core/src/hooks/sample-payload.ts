import type { HookEventName } from "./event-names.ts";
import type { HookPayloadMap } from "./payloads.ts";

const DAY_MS = 86_400_000;

/**
 * A plausible payload of `event` for `profile`, marked by fingerprints of zeros: what `partnerd hooks
 * test` sends, and what a plugin's own tests can feed its handlers.
 */
export function samplePayload<E extends HookEventName>(
  event: E,
  profile: string,
  now = new Date(),
): HookPayloadMap[E] {
  const at = now.toISOString();
  const inDays = (days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();
  const samples: HookPayloadMap = {
    refreshed: {
      event: "refreshed",
      profile,
      at,
      previousFingerprint: "000000000000",
      fingerprint: "000000000001",
      rotated: true,
      replayed: false,
      stores: [{ store: "default", name: profile, version: "sample" }],
      accessTokenExpiresAt: new Date(now.getTime() + 3600_000).toISOString(),
      refreshTokenExpiresAt: inDays(90),
      daysUntilRefreshTokenExpires: 90,
    },
    failed: {
      event: "failed",
      profile,
      at,
      class: "needs-consent",
      code: "NEEDS_CONSENT",
      message: "AADSTS700082: The refresh token has expired due to inactivity. (sample)",
      aadsts: 700082,
      hint: `a person must consent again: run "partnerd login ${profile}"`,
    },
    "needs-consent": {
      event: "needs-consent",
      profile,
      at,
      command: `partnerd login ${profile}`,
      code: "NEEDS_CONSENT",
      message: "AADSTS700082: The refresh token has expired due to inactivity. (sample)",
      aadsts: 700082,
    },
    recovered: {
      event: "recovered",
      profile,
      at,
      failingSince: inDays(-1),
      fingerprint: "000000000001",
    },
    expiring: {
      event: "expiring",
      profile,
      at,
      reason: "inactive",
      lastRedeemedAt: inDays(-61),
      refreshTokenExpiresAt: inDays(29),
      daysUntilRefreshTokenExpires: 29,
      hint: `run "partnerd refresh ${profile}" before ${inDays(29)}, or fix what keeps it from refreshing`,
    },
  };
  return samples[event] as HookPayloadMap[E];
}
