import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { resolve } from "node:path";
import { rootCertificates } from "node:tls";
import {
  backoffDelay,
  defineHook,
  type HookContext,
  HookOptionsError,
  type HookPayload,
  type Secret,
  sleep,
  type WebhookHookOptions,
  WebhookHookOptionsSchema,
} from "@partnerd/core/plugin";
import { messageFor, slackMessage, teamsMessage } from "./message.ts";
import { parseOptions } from "./options.ts";

interface WebhookState {
  url: URL;
  format: WebhookHookOptions["format"];
  secret: Secret | undefined;
  timeoutMs: number;
  retries: number;
  ca: string[] | undefined;
}

const RETRY_POLICY = { attempts: 0, initialDelayMs: 1000, maxDelayMs: 10_000 };

/**
 * POSTs each event as JSON, or as a Teams / Slack message, with a timeout and bounded retries (network
 * errors, 429, 5xx). With `secret`, `X-Partnerd-Signature: sha256=<hex>` is an HMAC-SHA256 of the body.
 * Errors name the URL's origin only: the path of a Teams or Slack URL is its key.
 */
const webhookHook = defineHook<WebhookState>({
  apiVersion: 1,
  name: "webhook",
  async setup(options, context) {
    const parsed = parseOptions(WebhookHookOptionsSchema, options);
    const url = new URL(
      typeof parsed.url === "string" ? parsed.url : (await context.resolveSecret(parsed.url, "url")).reveal(),
    );
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new HookOptionsError("url", "expected an http:// or https:// URL");
    }
    let ca: string[] | undefined;
    if (parsed.caFile) {
      const file = resolve(context.configDir, parsed.caFile);
      try {
        ca = [...rootCertificates, await readFile(file, "utf8")];
      } catch (error) {
        throw new HookOptionsError(
          "caFile",
          `cannot read ${file} (${(error as NodeJS.ErrnoException).code})`,
        );
      }
    }
    return {
      url,
      format: parsed.format,
      secret: parsed.secret ? await context.resolveSecret(parsed.secret, "secret") : undefined,
      timeoutMs: parsed.timeoutSeconds * 1000,
      retries: parsed.retries,
      ca,
    };
  },
  handlers: { refreshed: post, failed: post, "needs-consent": post, recovered: post, expiring: post },
});

export default webhookHook;

async function post(payload: HookPayload, context: HookContext<WebhookState>): Promise<void> {
  const { state } = context;
  const body = JSON.stringify(bodyFor(payload, state.format));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "partnerd",
    "x-partnerd-event": payload.event,
  };
  if (state.secret) {
    headers["x-partnerd-signature"] =
      `sha256=${createHmac("sha256", state.secret.reveal()).update(body).digest("hex")}`;
  }
  const target = `POST ${state.url.origin}`;
  for (let attempt = 1; ; attempt++) {
    const outcome = await send(state, body, headers, context.signal);
    if (outcome.ok) return;
    if (!outcome.retryable || attempt > state.retries) throw new Error(`${target}: ${outcome.problem}`);
    const delayMs = backoffDelay(RETRY_POLICY, attempt, outcome.retryAfterMs);
    context.logger.warn("webhook failed; retrying", { attempt, delayMs, error: outcome.problem });
    if (!(await sleep(delayMs, context.signal))) throw new Error(`${target}: ${outcome.problem}`);
  }
}

function bodyFor(payload: HookPayload, format: WebhookState["format"]): unknown {
  if (format === "teams") return teamsMessage(messageFor(payload));
  if (format === "slack") return slackMessage(messageFor(payload));
  return payload;
}

type SendOutcome =
  | { ok: true }
  | { ok: false; retryable: boolean; problem: string; retryAfterMs?: number | undefined };

function send(
  state: WebhookState,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<SendOutcome> {
  const request = state.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((done) => {
    const req = request(
      state.url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        timeout: state.timeoutMs,
        signal,
        ...(state.ca ? { ca: state.ca } : {}),
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return done({ ok: true });
        const retryAfter = Number(response.headers["retry-after"]);
        done({
          ok: false,
          retryable: status === 429 || status >= 500,
          problem: `HTTP ${status}`,
          retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${state.timeoutMs / 1000} s`)));
    req.on("error", (error: NodeJS.ErrnoException) =>
      done({ ok: false, retryable: !signal.aborted, problem: error.code ?? error.message }),
    );
    req.end(body);
  });
}
