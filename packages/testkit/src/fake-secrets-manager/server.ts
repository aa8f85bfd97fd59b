import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the server hands to the fake for every request. */
export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body (utf-8). */
  body: string;
}

/** A JSON reply, or `DROP`: close the connection without answering. */
export type WireReply = { status: number; body: unknown } | typeof DROP;

export const DROP: unique symbol = Symbol("drop");

export interface ServerOptions {
  port: number;
  handle: (request: WireRequest) => WireReply | Promise<WireReply>;
  /** Read on every request; delays each response by that many ms. */
  latencyMs: () => number;
}

export interface RunningServer {
  port: number;
  /** Stops listening, drops every connection (keep-alive and in-flight) and cancels pending delays. */
  close(): Promise<void>;
}

/** Upper bound for request bodies; a secret value is at most 64 KiB. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Starts the loopback HTTP listener on 127.0.0.1. Logs nothing. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  let closing = false;
  const pendingDelays = new Set<() => void>();

  const delay = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve(true);
      const cancel = () => {
        clearTimeout(timer);
        pendingDelays.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        pendingDelays.delete(cancel);
        resolve(true);
      }, ms);
      pendingDelays.add(cancel);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let reply: WireReply;
    try {
      const body = await readBody(req);
      if (!(await delay(opts.latencyMs())) || closing) return void res.destroy();
      reply = await opts.handle({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
      });
    } catch {
      reply = {
        status: 500,
        body: { __type: "InternalServiceError", message: "FakeSecretsManager: internal error" },
      };
    }
    if (reply === DROP || closing) return void res.destroy();
    send(res, reply);
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const cancel of [...pendingDelays]) cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
