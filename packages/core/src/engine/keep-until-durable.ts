import type { Logger } from "../log/logger.ts";
import { backoffDelay, sleep } from "./backoff.ts";

/** Back-off between attempts to make an in-memory-only token durable; never slower than this. */
const MAX_DELAY_MS = 60_000;

export interface UndurableToken {
  fingerprint: string;
  /** Tries the journal; resolves when the token is in it. */
  journal(): Promise<void>;
  /** Tries every store once (with its own retries); resolves when all hold the token. */
  stores(): Promise<void>;
  /** Reports the token as held in memory only (status), or no longer (`false`); best effort. */
  report(pending: boolean): Promise<void>;
}

/**
 * A redeemed token that neither the journal nor the stores took exists only in this process: dropping
 * it loses the grant (a strict provider has already spent the old one). Keep trying both, with
 * back-off, until one takes it; log every failed round as an error. Returns where it became durable.
 * Shutdown does not end this: a second signal (or kill) does.
 */
export async function keepUntilDurable(
  token: UndurableToken,
  logger: Logger,
  retry: { initialDelayMs: number; maxDelayMs: number },
): Promise<"journal" | "stores"> {
  const policy = {
    attempts: Number.POSITIVE_INFINITY,
    initialDelayMs: retry.initialDelayMs,
    maxDelayMs: Math.max(retry.maxDelayMs, Math.min(MAX_DELAY_MS, retry.maxDelayMs * 10)),
  };
  await token.report(true);
  for (let attempt = 1; ; attempt++) {
    const delayMs = backoffDelay(policy, attempt);
    logger.error("a redeemed refresh token is held in memory only; retrying the journal and the stores", {
      fingerprint: token.fingerprint,
      attempt,
      delayMs,
    });
    await sleep(delayMs);
    const where = await durableSomewhere(token);
    if (where) {
      await token.report(false);
      logger.info("the refresh token held in memory is durable again", {
        fingerprint: token.fingerprint,
        in: where,
      });
      return where;
    }
  }
}

async function durableSomewhere(token: UndurableToken): Promise<"journal" | "stores" | undefined> {
  try {
    await token.journal();
    return "journal";
  } catch {
    // The stores may still take it.
  }
  try {
    await token.stores();
    return "stores";
  } catch {
    return undefined;
  }
}
