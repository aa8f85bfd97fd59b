import { createServer, type Server } from "node:http";
import { type Logger, PartnerdError } from "@partnerd/core";
import type { Probe } from "./health.ts";
import type { DaemonMetrics } from "./metrics.ts";

export interface HttpRoutes {
  metrics: DaemonMetrics;
  healthz: () => Probe;
  readyz: () => Probe;
}

/** `server.listen`: `/metrics`, `/healthz` and `/readyz` over plain HTTP (GET only, no token ever). */
export async function startHttpListener(listen: string, routes: HttpRoutes, logger: Logger): Promise<Server> {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(listen.slice(colon + 1));
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const probe = (result: Probe) => {
      response
        .writeHead(result.ok ? 200 : 503, { "content-type": "application/json" })
        .end(`${JSON.stringify(result.body)}\n`);
    };
    if (path === "/healthz") return probe(routes.healthz());
    if (path === "/readyz") return probe(routes.readyz());
    if (path === "/metrics") {
      routes.metrics.text().then(
        (text) => response.writeHead(200, { "content-type": routes.metrics.contentType }).end(text),
        (error: unknown) => {
          logger.warn("could not collect metrics", { error: (error as Error).message });
          response.writeHead(500).end();
        },
      );
      return;
    }
    response
      .writeHead(404, { "content-type": "text/plain" })
      .end("not found: try /metrics, /healthz, /readyz\n");
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new PartnerdError("LISTEN_FAILED", `server.listen ${listen}: cannot listen (${code ?? message})`);
  }
  const address = server.address();
  const bound = typeof address === "object" && address ? `${address.address}:${address.port}` : listen;
  logger.info("serving /metrics, /healthz and /readyz", { listen: bound });
  return server;
}
