import { createSecureContext, rootCertificates } from "node:tls";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { EnvHttpProxyAgent, request as httpRequest } from "undici";
import { describeTransportFailure } from "./transport-error.ts";

export interface NetworkClientOptions {
  /** PEM bundle trusted in addition to the system roots (a private CA, or the fake IdP's test CA). */
  extraCaPem?: string | undefined;
  /** Proxy for https requests; when absent, HTTPS_PROXY / NO_PROXY from the environment apply. */
  proxy?: string | undefined;
  timeoutMs: number;
}

/** msal's `INetworkModule`, plus what partnerd needs that msal does not expose. */
export interface NetworkClient extends INetworkModule {
  /** `Retry-After` of the most recent response through this client that had one, in milliseconds. */
  readonly lastRetryAfterMs: number | undefined;
  /**
   * The most recent request's transport failure (refused, TLS, timeout), or undefined after a response.
   * msal reports some of these as its own codes (endpoints_resolution_error); this keeps the real cause.
   */
  readonly lastTransportError: Error | undefined;
}

/** Connections, proxy and trust shared by every identity-provider call of one runtime. */
export interface HttpTransport {
  /** A client for one msal application, with its own Retry-After memory. */
  client(): NetworkClient;
  close(): Promise<void>;
}

/**
 * The HTTP stack msal uses for every identity-provider call: request timeouts (msal's default client
 * has none on token POSTs), an optional extra CA, and proxy support. Clients resolve for every HTTP
 * status and reject only on transport failures, with messages that never include a request body.
 */
export function createHttpTransport(options: NetworkClientOptions): HttpTransport {
  // One TLS context for the runtime's life: given `ca` instead, every new connection would parse the
  // whole bundle (the default roots plus the extra CA) into a fresh context.
  const secureContext = options.extraCaPem
    ? createSecureContext({ ca: [...rootCertificates, options.extraCaPem] })
    : undefined;
  const dispatcher = new EnvHttpProxyAgent({
    ...(options.proxy ? { httpsProxy: options.proxy } : {}),
    // A connection (TLS handshake included) gives up with the request: an abandoned handshake would
    // otherwise hold the process open for undici's own 10 s after the request already failed.
    connect: { timeout: options.timeoutMs, ...(secureContext ? { secureContext } : {}) },
    ...(secureContext ? { requestTls: { secureContext } } : {}),
  });
  const metadata = new MetadataCache();
  return {
    client: () => createNetworkClient(dispatcher, options.timeoutMs, metadata),
    close: () => dispatcher.close(),
  };
}

/** Authority metadata msal fetches with GET: the OpenID configuration and Entra's instance discovery. */
const METADATA_PATH = /\/\.well-known\/openid-configuration$|\/common\/discovery\/instance$/;
const METADATA_TTL_MS = 24 * 60 * 60 * 1000; // msal's own metadata cache lives as long

/**
 * Successful authority-metadata answers, per URL, shared by every msal application of the runtime: each
 * operation gets a fresh application (an isolated token cache), which would otherwise fetch the OpenID
 * configuration again before every token POST.
 */
class MetadataCache {
  readonly #answers = new Map<string, { response: NetworkResponse<unknown>; until: number }>();

  get(url: string): NetworkResponse<unknown> | undefined {
    const known = this.#answers.get(url);
    if (known && known.until > Date.now()) return known.response;
    this.#answers.delete(url);
    return undefined;
  }

  remember(url: string, response: NetworkResponse<unknown>): void {
    if (response.status !== 200 || !METADATA_PATH.test(new URL(url).pathname)) return;
    this.#answers.set(url, { response, until: Date.now() + METADATA_TTL_MS });
  }
}

function createNetworkClient(
  dispatcher: EnvHttpProxyAgent,
  timeoutMs: number,
  metadata: MetadataCache,
): NetworkClient {
  let lastRetryAfterMs: number | undefined;
  let lastTransportError: Error | undefined;

  async function send<T>(method: "GET" | "POST", url: string, request?: NetworkRequestOptions) {
    // undici's `request`, not `fetch`: the same connection pool without the WHATWG Request, Response,
    // Headers and stream objects, which cost about as much CPU as the rest of a redemption.
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const response = await httpRequest(url, {
        method,
        dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
        ...(request?.headers ? { headers: request.headers } : {}),
        ...(method === "POST" ? { body: request?.body ?? "" } : {}),
      });
      status = response.statusCode;
      headers = flatHeaders(response.headers);
      text = await response.body.text();
    } catch (error) {
      lastTransportError = describeTransportFailure(method, url, timeoutMs, error);
      throw lastTransportError;
    }
    lastTransportError = undefined;
    const retryAfter = parseRetryAfter(headers["retry-after"]);
    if (retryAfter !== undefined) lastRetryAfterMs = retryAfter;
    return { status, headers, body: parseBody(text, status) as T } satisfies NetworkResponse<T>;
  }

  return {
    sendGetRequestAsync: async <T>(url: string, request?: NetworkRequestOptions) => {
      const cached = metadata.get(url);
      if (cached) return structuredClone(cached) as NetworkResponse<T>;
      const response = await send<T>("GET", url, request);
      metadata.remember(url, structuredClone(response));
      return response;
    },
    sendPostRequestAsync: (url, request) => send("POST", url, request),
    get lastRetryAfterMs() {
      return lastRetryAfterMs;
    },
    get lastTransportError() {
      return lastTransportError;
    },
  };
}

/** Header names lower-cased (as undici gives them), repeated headers joined the way `fetch` joins them. */
function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function parseBody(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // An HTML error page from a proxy or gateway: give msal an OAuth-shaped error it can surface.
    return { error: "invalid_response", error_description: `HTTP ${status} response was not JSON` };
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
