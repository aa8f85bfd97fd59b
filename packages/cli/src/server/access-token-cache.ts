import type { TokenResult } from "@partnerd/core";

/** A cached access token is served only while it has at least this long left. */
export const MIN_REMAINING_MS = 5 * 60_000;

/** The cache key of an access token: one per (profile, tenant, scopes). */
export function cacheKey(profile: string, tenant: string, scopes: readonly string[]): string {
  return JSON.stringify([profile, tenant.toLowerCase(), [...scopes].sort()]);
}

/**
 * Access tokens in memory, per key, with single flight: concurrent misses for one key share one
 * redemption instead of each rotating the refresh token.
 */
export class AccessTokenCache {
  readonly #tokens = new Map<string, TokenResult>();
  readonly #inFlight = new Map<string, Promise<TokenResult>>();

  async get(key: string, redeem: () => Promise<TokenResult>, now = Date.now()): Promise<TokenResult> {
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresOn.getTime() - now >= MIN_REMAINING_MS) return cached;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const redemption = redeem().then(
      (token) => {
        this.#tokens.set(key, token);
        return token;
      },
      (error: unknown) => {
        this.#tokens.delete(key);
        throw error;
      },
    );
    this.#inFlight.set(key, redemption);
    try {
      return await redemption;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  put(key: string, token: TokenResult): void {
    this.#tokens.set(key, token);
  }

  clear(): void {
    this.#tokens.clear();
  }
}
