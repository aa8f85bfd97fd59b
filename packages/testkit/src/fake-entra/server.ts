import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { aadsts, errorContext, renderError } from "./errors.ts";
import type { Reply } from "./http.ts";
import { readBody } from "./http.ts";
import type { Route } from "./routes.ts";
import { matchRoute } from "./routes.ts";
import { ABANDONED } from "./token-endpoint.ts";

export interface ServerOptions {
  port: number;
  keyPem: string;
  certPem: string;
  routes: readonly Route[];
  /** Read on every request; delays each response by that many ms. */
  latencyMs: () => number;
}

/** A running HTTPS listener on 127.0.0.1. */
export interface RunningServer {
  port: number;
  /** Stops listening, drops every connection (keep-alive and in-flight) and cancels pending delays. */
  close(): Promise<void>;
}

/** Starts the loopback HTTPS server that dispatches to the route table. Logs nothing. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  let baseUrl = "";
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
    const method = req.method ?? "GET";
    let reply: Reply;
    try {
      const url = new URL(req.url ?? "/", baseUrl);
      const body = await readBody(req);
      if (!(await delay(opts.latencyMs())) || closing) return void res.destroy();
      const match = matchRoute(opts.routes, method, url.pathname);
      if (match.kind === "found") {
        reply = await match.route.handler({
          method,
          url,
          params: match.params,
          headers: req.headers,
          body,
          baseUrl,
        });
        if (reply === ABANDONED || closing) return void res.destroy();
      } else if (match.kind === "wrong-method") {
        reply = renderError(
          aadsts.methodNotAllowed(method),
          errorContext(baseUrl, req.headers["client-request-id"]),
        );
        reply.headers = { ...reply.headers, allow: match.allowed.join(", ") };
      } else {
        reply = {
          status: 404,
          body: {
            error: "not_found",
            error_description: `FakeEntra: no route for ${method} ${url.pathname}`,
          },
        };
      }
    } catch {
      reply = {
        status: 500,
        body: { error: "server_error", error_description: "FakeEntra: internal error" },
      };
    }
    send(res, reply);
  };

  const server: Server = createServer({ key: opts.keyPem, cert: opts.certPem }, (req, res) => {
    void handle(req, res);
  });
  // TLS handshakes from clients that don't trust the CA fail here; that's expected, stay silent.
  server.on("tlsClientError", () => {});

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const cancel of [...pendingDelays]) cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const payload = reply.text ?? JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type":
      reply.text === undefined ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}
