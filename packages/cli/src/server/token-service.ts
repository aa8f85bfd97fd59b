import {
  consentHint,
  PartnerdError,
  type PartnerdRuntime,
  type RefreshOutcome,
  type TokenResult,
} from "@partnerd/core";
import { AccessTokenCache, cacheKey } from "./access-token-cache.ts";

export interface AccessTokenRequest {
  profile: string;
  /** A customer tenant (GUID or domain); default: the profile's. */
  tenant?: string;
  /** Default: the profile's. */
  scopes?: string[];
}

/** A request the service cannot answer; `status` is its HTTP status on the socket. */
export class ServiceError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(status: number, code: string, message: string, hint?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
  }
}

/**
 * Access tokens for the daemon's profiles, from memory while they have a few minutes left; otherwise one
 * redemption through the engine (under the profile's lock), whose rotated refresh token is persisted.
 */
export class TokenService {
  readonly #runtime: () => PartnerdRuntime;
  readonly #cache = new AccessTokenCache();
  #stopping = false;

  constructor(runtime: () => PartnerdRuntime) {
    this.#runtime = runtime;
  }

  async token(request: AccessTokenRequest): Promise<TokenResult> {
    if (this.#stopping)
      throw new ServiceError(503, "STOPPING", "partnerd is stopping; ask again after it restarts");
    const runtime = this.#runtime();
    const profile = profileOf(runtime, request.profile);
    const tenant = request.tenant ?? profile.tenant;
    const scopes = request.scopes ?? profile.scopes;
    const own = tenant === profile.tenant && sameScopes(scopes, profile.scopes);
    const key = cacheKey(profile.name, tenant, scopes);
    const redemption = own ? {} : { tenant, scopes };
    return this.#cache.get(key, async () => {
      // Answer once the token is durable, without waiting for its hooks.
      const first = tokenOf(profile.name, await runtime.refreshDurably(profile.name, redemption));
      if (first) return first;
      // That run stored a token left in the journal; this one redeems.
      const second = tokenOf(profile.name, await runtime.refreshDurably(profile.name, redemption));
      if (second) return second;
      throw new ServiceError(502, "NO_TOKEN", "the refresh produced no access token; try again");
    });
  }

  /** Keeps the access token a scheduled refresh produced, so the next request needs no redemption. */
  remember(profileName: string, outcome: RefreshOutcome): void {
    const token = outcome.status === "refreshed" || outcome.status === "checked" ? outcome.token : undefined;
    if (!token) return;
    const profile = this.#runtime().config.profiles[profileName];
    if (profile) this.#cache.put(cacheKey(profile.name, profile.tenant, profile.scopes), token);
  }

  /** After a reload the profiles may ask for other scopes or tenants. */
  forget(): void {
    this.#cache.clear();
  }

  stop(): void {
    this.#stopping = true;
  }
}

function profileOf(runtime: PartnerdRuntime, name: string) {
  try {
    return runtime.engine.profile(name);
  } catch (error) {
    if (error instanceof PartnerdError) throw new ServiceError(404, error.code, error.message);
    throw error;
  }
}

/** The token, or undefined when the run only persisted a journaled token (ask once more); else throws. */
function tokenOf(profile: string, outcome: RefreshOutcome): TokenResult | undefined {
  switch (outcome.status) {
    case "refreshed":
      return outcome.token;
    case "checked":
      return outcome.token;
    case "skipped":
      if (outcome.reason === "locked") throw new ServiceError(503, "LOCK_BUSY", outcome.message);
      throw new ServiceError(
        409,
        "NEEDS_CONSENT",
        "the stored refresh token was rejected and needs a new consent",
        consentHint(profile),
      );
    case "failed":
      throw new ServiceError(
        outcome.exitCode === 2 ? 500 : 502,
        outcome.failure.code,
        outcome.failure.message,
        outcome.failure.hint,
      );
  }
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((scope, i) => scope === sortedB[i]);
}
