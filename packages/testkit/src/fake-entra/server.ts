import type { ServerResponse } from "node:http";
import { readBody, startLoopbackServer } from "../loopback/loopback-server.ts";
import { aadsts, errorContext, renderError } from "./errors.ts";
import type { Reply } from "./http.ts";
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
  const server = await startLoopbackServer(
    { port: opts.port, tls: { keyPem: opts.keyPem, certPem: opts.certPem } },
    async (req, res, loopback) => {
      const { baseUrl } = loopback;
      const method = req.method ?? "GET";
      let reply: Reply;
      try {
        const url = new URL(req.url ?? "/", baseUrl);
        const body = await readBody(req);
        const receivedAt = new Date();
        if (!(await loopback.delay(opts.latencyMs())) || loopback.closing) return void res.destroy();
        const match = matchRoute(opts.routes, method, url.pathname);
        if (match.kind === "found") {
          reply = await match.route.handler({
            method,
            url,
            params: match.params,
            headers: req.headers,
            body,
            baseUrl,
            receivedAt,
          });
          if (reply === ABANDONED || loopback.closing) return void res.destroy();
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
    },
  );
  return { port: server.port, close: () => server.close() };
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
