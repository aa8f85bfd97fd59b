import { createServer, type Server } from "node:http";
import type { Logger } from "@partnerd/core";
import type { Probe } from "./health.ts";
import { listenOn } from "./listen.ts";
import type { DaemonMetrics } from "./metrics.ts";

export interface HttpRoutes {
  metrics: DaemonMetrics;
  healthz: () => Probe;
  readyz: () => Probe;
}

/** `server.listen`: `/metrics`, `/healthz` and `/readyz` over plain HTTP (GET only, no token ever). */
export async function startHttpListener(listen: string, routes: HttpRoutes, logger: Logger): Promise<Server> {
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
  const address = await listenOn(server, listen, "server.listen");
  const bound = `${address.address}:${address.port}`;
  logger.info("serving /metrics, /healthz and /readyz", { listen: bound });
  return server;
}
