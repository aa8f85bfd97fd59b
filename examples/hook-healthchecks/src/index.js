// @ts-check
/**
 * partnerd-hook-healthchecks: a dead man's switch for partnerd. Every successful refresh pings the
 * check; a failure that needs a person signals `/fail`; anything else worth knowing goes to `/log`.
 * If partnerd stops refreshing altogether (the VM is down, the timer is off), the pings stop and
 * Healthchecks.io alerts on its own, which no hook inside partnerd can do.
 *
 * Plain ESM JavaScript with no runtime dependencies, built on @partnerd/core's public hook contract
 * only. Types: `index.d.ts` next to this file.
 */

/** @import { HookContext, HookPayload, HookPlugin, HookSetupContext } from "@partnerd/core" */
/** @import { HealthchecksState } from "./index.d.ts" */

/** The hook contract version this package implements (`HOOK_API_VERSION` of @partnerd/core). */
export const API_VERSION = 1;
export const DEFAULT_TIMEOUT_SECONDS = 10;
const OPTION_KEYS = ["url", "timeoutSeconds"];

/** Same shape as @partnerd/core's `HookOptionsError`: partnerd recognises it by `code` and `key`. */
export class HealthchecksOptionsError extends Error {
  code = /** @type {const} */ ("HOOK_OPTIONS");
  exitCode = /** @type {const} */ (2);

  /** @param {string} key @param {string} problem */
  constructor(key, problem) {
    super(problem);
    this.name = "HealthchecksOptionsError";
    this.key = key;
  }
}

/**
 * @param {string} event
 * @param {string} [failureClass]
 * @returns {"success" | "fail" | "log"}
 */
export function pingKind(event, failureClass) {
  if (event === "refreshed" || event === "recovered") return "success";
  if (event === "needs-consent") return "fail";
  // A transient failure is retried on the schedule; only the others need a person now.
  if (event === "failed") return failureClass === "transient" ? "log" : "fail";
  return "log";
}

/**
 * @param {Record<string, unknown>} options
 * @param {HookSetupContext} context
 * @returns {Promise<HealthchecksState>}
 */
async function setup(options, context) {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new HealthchecksOptionsError(key, `unknown option (expected ${OPTION_KEYS.join(", ")})`);
    }
  }
  const { url, timeoutSeconds = DEFAULT_TIMEOUT_SECONDS } = options;
  if (url === undefined) throw new HealthchecksOptionsError("url", "is required");
  if (typeof timeoutSeconds !== "number" || !(timeoutSeconds > 0 && timeoutSeconds <= 300)) {
    throw new HealthchecksOptionsError("timeoutSeconds", "expected a number of seconds from 1 to 300");
  }
  const text = typeof url === "string" ? url : (await context.resolveSecret(url, "url")).reveal();
  let parsed;
  try {
    parsed = new URL(text);
  } catch {
    throw new HealthchecksOptionsError("url", "is not a URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new HealthchecksOptionsError("url", "expected an https:// URL");
  }
  return { url: parsed, timeoutMs: timeoutSeconds * 1000 };
}

/**
 * @param {HookPayload} payload
 * @param {HookContext<HealthchecksState>} context
 */
async function ping(payload, context) {
  const kind = pingKind(payload.event, payload.event === "failed" ? payload.class : undefined);
  const url = new URL(context.state.url);
  if (kind !== "success") url.pathname = `${url.pathname.replace(/\/$/, "")}/${kind}`;
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: summary(payload),
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(context.state.timeoutMs)]),
    });
  } catch (error) {
    const cause = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code;
    const reason =
      error instanceof Error && error.name === "TimeoutError" ? "timed out" : (cause ?? "failed");
    // The URL's path is the check's key: name the host only.
    throw new Error(`ping to ${url.origin} ${reason}`);
  }
  await response.body?.cancel();
  if (!response.ok) throw new Error(`ping to ${url.origin} answered HTTP ${response.status}`);
}

/** What Healthchecks.io shows next to the ping: one line a person can act on. No token, ever. */
/** @param {HookPayload} payload */
function summary(payload) {
  switch (payload.event) {
    case "refreshed":
      return `${payload.profile}: refreshed, token ${payload.fingerprint}, ${payload.daysUntilRefreshTokenExpires} days left if unused`;
    case "recovered":
      return `${payload.profile}: recovered (failing since ${payload.failingSince})`;
    case "failed":
      return `${payload.profile}: failed (${payload.class}): ${payload.message}${payload.hint ? `; ${payload.hint}` : ""}`;
    case "needs-consent":
      return `${payload.profile}: needs consent: run ${payload.command}`;
    case "expiring":
      return `${payload.profile}: refresh token expiring (${payload.reason}): ${payload.hint}`;
  }
}

/** @type {HookPlugin<HealthchecksState>} */
const plugin = {
  apiVersion: API_VERSION,
  name: "healthchecks",
  setup,
  handlers: { refreshed: ping, recovered: ping, failed: ping, "needs-consent": ping, expiring: ping },
};

export default plugin;
