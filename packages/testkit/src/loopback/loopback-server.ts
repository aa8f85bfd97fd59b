import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** Upper bound for request bodies the fakes read; a secret or form is far smaller. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface LoopbackServer {
  port: number;
  /** `https://127.0.0.1:PORT` (or `http://` without TLS). */
  baseUrl: string;
  /** True once `close()` started: handlers should drop what they are doing. */
  readonly closing: boolean;
  /** Waits `ms` (a fake's injected latency); resolves false when the server closes first. */
  delay(ms: number): Promise<boolean>;
  /** Stops listening, drops every connection (keep-alive and in-flight) and cancels pending delays. */
  close(): Promise<void>;
}

export type LoopbackHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  server: LoopbackServer,
) => Promise<void>;

/** The listener every fake shares: 127.0.0.1, HTTP or HTTPS with the test CA's leaf, silent. */
export async function startLoopbackServer(
  options: { port: number; tls?: { keyPem: string; certPem: string } },
  handle: LoopbackHandler,
): Promise<LoopbackServer> {
  let closing = false;
  const pendingDelays = new Set<() => void>();
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res, loopback);
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.keyPem, cert: options.tls.certPem }, listener)
    : createHttpServer(listener);
  // TLS handshakes from clients that don't trust the CA fail here; that's expected, stay silent.
  server.on("tlsClientError", () => {});

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const loopback: LoopbackServer = {
    port,
    baseUrl: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    get closing() {
      return closing;
    },
    delay: (ms) =>
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
      }),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const cancel of [...pendingDelays]) cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return loopback;
}

/** The request body as text; rejects (and drops the request) past 1 MiB. */
export function readBody(req: IncomingMessage): Promise<string> {
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
