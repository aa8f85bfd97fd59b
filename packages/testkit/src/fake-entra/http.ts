import type { IncomingMessage } from "node:http";

/** What a route handler gets. `body` is the raw request body (utf-8). */
export interface RequestContext {
  method: string;
  url: URL;
  /** Named groups captured by the route pattern (e.g. `tenant`). */
  params: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: string;
  /** `https://127.0.0.1:PORT` */
  baseUrl: string;
  /** When the server had read the request, before the injected `latencyMs`. */
  receivedAt: Date;
}

/** What a route handler returns: serialised as JSON, unless `text` is set (HTML pages, redirects). */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent verbatim instead of `JSON.stringify(body)`; `headers` should then carry a content-type. */
  text?: string;
}

/** Upper bound for request bodies; Entra requests are a few KB. */
export const MAX_BODY_BYTES = 1024 * 1024;

export { readBody } from "../loopback/loopback-server.ts";

/** Shorthand for a JSON reply. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** Entra's common response headers: no caching, JSON, echo of the request correlation id. */
export function entraHeaders(correlationId: string, traceId: string): Record<string, string> {
  return {
    "cache-control": "no-store, no-cache",
    pragma: "no-cache",
    "x-ms-request-id": traceId,
    "client-request-id": correlationId,
  };
}

/** An HTML page (`text/html; charset=utf-8`, never cached). */
export function html(status: number, page: string, headers?: Record<string, string>): Reply {
  return {
    status,
    body: undefined,
    text: page,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store, no-cache",
      ...headers,
    },
  };
}

/** A 302 to `location` with an empty body. */
export function redirect(location: string, headers?: Record<string, string>): Reply {
  return {
    status: 302,
    body: undefined,
    text: "",
    headers: { location, "cache-control": "no-store, no-cache", ...headers },
  };
}
