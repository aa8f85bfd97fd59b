import { createServer, type RequestListener, type Server } from "node:http";
import type { Logger } from "../../log/logger.ts";
import { ConsentError } from "./errors.ts";

export interface BoundPort {
  port: number;
  /** The 127.0.0.1 server first, then the ::1 one when the machine has IPv6 loopback. */
  servers: Server[];
}

/** Errors meaning "someone else has this address": try the next port. */
const TAKEN = new Set(["EADDRINUSE", "EACCES"]);

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port, ipv6Only: host === "::1", exclusive: true });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function newServer(handler: RequestListener): Server {
  const server = createServer({ keepAliveTimeout: 1_000, requestTimeout: 30_000 }, handler);
  // Nothing but the browser should talk to us, and never for long.
  server.maxHeadersCount = 100;
  return server;
}

/**
 * Binds the first free port of `[first, last]` and KEEPS it (the cmdlet probed a port, released it and
 * reopened it later: a race). A port is free when 127.0.0.1 binds; ::1 is bound on the same port too, so a
 * browser that resolves `localhost` to ::1 reaches us. If ::1 exists but another process holds that port
 * there, the port is skipped: the browser could hand the code to that process instead.
 */
export async function bindLoopbackPort(
  first: number,
  last: number,
  handler: RequestListener,
  logger: Logger,
): Promise<BoundPort> {
  for (let port = first; port <= last; port++) {
    const v4 = newServer(handler);
    try {
      await listen(v4, "127.0.0.1", port);
    } catch (error) {
      const reason = errorCode(error);
      if (!TAKEN.has(reason)) {
        // Not "port taken" but "cannot listen on loopback at all": no other port would do better.
        throw new ConsentError(
          "LISTEN_FAILED",
          `cannot listen on 127.0.0.1:${port} for the sign-in redirect (${reason})`,
          { cause: error },
        );
      }
      logger.debug("redirect port taken; trying the next one", { port, address: "127.0.0.1", reason });
      continue;
    }
    const v6 = newServer(handler);
    try {
      await listen(v6, "::1", port);
      return { port, servers: [v4, v6] };
    } catch (error) {
      const reason = errorCode(error);
      if (TAKEN.has(reason)) {
        logger.debug("redirect port taken on ::1 by another process; trying the next one", {
          port,
          address: "::1",
          reason,
        });
        await close(v4);
        continue;
      }
      logger.debug("no IPv6 loopback; listening on 127.0.0.1 only", { port, reason });
      return { port, servers: [v4] };
    }
  }
  throw new ConsentError(
    "PORTS_EXHAUSTED",
    `no free port between ${first} and ${last} for the sign-in redirect; free one (\`ss -ltnp\` or ` +
      "`netstat -ano` shows which process listens) or choose another port range",
  );
}
