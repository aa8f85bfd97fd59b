import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { readBody, startLoopbackServer } from "../loopback/loopback-server.ts";

/** What the server hands to the fake for every request. */
export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body (utf-8). */
  body: string;
  /** When the body had been read, before the injected latency (ms since the epoch, on `now`). */
  receivedAt: number;
}

/** A JSON reply, or `DROP`: close the connection without answering. */
export type WireReply = { status: number; body: unknown } | typeof DROP;

export const DROP: unique symbol = Symbol("drop");

export interface ServerOptions {
  port: number;
  /** Serve HTTPS with this key and certificate; plain HTTP without. */
  tls?: { keyPem: string; certPem: string } | undefined;
  handle: (request: WireRequest) => WireReply | Promise<WireReply>;
  /** Read on every request; delays each response by that many ms. */
  latencyMs: () => number;
  /** The fake's clock, for `receivedAt`. */
  now: () => number;
}

export interface RunningServer {
  port: number;
  /** `http://127.0.0.1:PORT`, or `https://` with TLS. */
  baseUrl: string;
  /** Stops listening, drops every connection (keep-alive and in-flight) and cancels pending delays. */
  close(): Promise<void>;
}

/** Starts the loopback HTTP (or HTTPS) listener on 127.0.0.1. Logs nothing. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const listen = opts.tls ? { port: opts.port, tls: opts.tls } : { port: opts.port };
  const server = await startLoopbackServer(listen, async (req, res, loopback) => {
    let reply: WireReply;
    try {
      const body = await readBody(req);
      const receivedAt = opts.now();
      if (!(await loopback.delay(opts.latencyMs())) || loopback.closing) return void res.destroy();
      reply = await opts.handle({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        receivedAt,
      });
    } catch {
      reply = {
        status: 500,
        body: { __type: "InternalServiceError", message: "FakeSecretsManager: internal error" },
      };
    }
    if (reply === DROP || loopback.closing) return void res.destroy();
    send(res, reply);
  });
  return { port: server.port, baseUrl: server.baseUrl, close: () => server.close() };
}

function send(res: ServerResponse, reply: { status: number; body: unknown }): void {
  if (res.destroyed || res.headersSent) return;
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(payload);
}
