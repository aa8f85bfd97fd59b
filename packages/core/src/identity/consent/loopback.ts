import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { type Logger, silentLogger } from "../../log/logger.ts";
import { bindLoopbackPort } from "./bind.ts";
import { decideRedirect } from "./decide.ts";
import { ConsentError } from "./errors.ts";
import { failurePage, finishedPage, pageHeaders, successPage, waitingPage } from "./pages.ts";
import { readRedirectRequest } from "./request.ts";

export const DEFAULT_FIRST_PORT = 8400;
export const DEFAULT_LAST_PORT = 8999;
export const DEFAULT_CONSENT_TIMEOUT_MS = 5 * 60_000;

export interface LoopbackListenerOptions {
  /** First port tried; 8400 like the cmdlet. */
  firstPort?: number;
  /** Last port tried; 8999 like the cmdlet (or `firstPort` when that is above 8999). */
  lastPort?: number;
  /** The `state` sent in the authorize URL; anything else is refused (CSRF). */
  expectedState: string;
  /** Aborting rejects `result` with CANCELLED (wire Ctrl-C here). */
  signal?: AbortSignal;
  /** How long to wait for the redirect; 5 minutes by default. */
  timeoutMs?: number;
  logger?: Logger;
  /** Named on the pages: "return to <appName>". */
  appName?: string;
}

export interface LoopbackResult {
  /** The authorization code: a secret, redeem it at once and never log it. */
  code: string;
}

export interface LoopbackListener {
  port: number;
  /** `http://localhost:<port>/`, trailing slash included, exactly as the cmdlet registers it. */
  redirectUri: string;
  /** Settles once: the code, or a ConsentError (STATE_MISMATCH, CONSENT_DENIED, TIMEOUT, CANCELLED, …). */
  result: Promise<LoopbackResult>;
  /** Stops listening (rejecting `result` with CANCELLED if still pending). Idempotent. */
  close(): Promise<void>;
}

/** How long a decided response may take to reach the browser before its socket is cut. */
const FLUSH_GRACE_MS = 2_000;
/** setTimeout's limit; longer timeouts mean "no timeout". */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkPort(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new ConsentError(
      "INVALID_PORT_RANGE",
      `${name} must be a whole number from 1 to 65535, not ${value}`,
      {
        exitCode: 2,
      },
    );
  }
}

function describeDuration(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? "1 minute" : `${ms / 60_000} minutes`;
  if (ms % 1_000 === 0) return ms === 1_000 ? "1 second" : `${ms / 1_000} seconds`;
  return `${ms} ms`;
}

function responseDone(res: ServerResponse, graceMs: number): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, graceMs);
    function done() {
      clearTimeout(timer);
      res.off("finish", done);
      res.off("close", done);
      resolve();
    }
    res.once("finish", done);
    res.once("close", done);
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...pageHeaders(body), ...headers });
  res.end(body);
}

/**
 * Listens on the loopback interface for the authorization-code redirect of a browser sign-in, for public
 * and confidential clients alike (msal-node's own loopback forces form_post, drops the trailing slash and
 * silently moves to a random port). Improves on `New-PartnerAccessToken -UseAuthorizationCode`: the port is
 * kept from the moment it is found, ::1 is served too, `state` and `error` are checked, and the pages
 * escape what they show.
 */
export async function startLoopbackListener(options: LoopbackListenerOptions): Promise<LoopbackListener> {
  const first = options.firstPort ?? DEFAULT_FIRST_PORT;
  const last = options.lastPort ?? Math.max(DEFAULT_LAST_PORT, first);
  checkPort("firstPort", first);
  checkPort("lastPort", last);
  if (first > last) {
    throw new ConsentError("INVALID_PORT_RANGE", `firstPort ${first} is above lastPort ${last}`, {
      exitCode: 2,
    });
  }
  if (typeof options.expectedState !== "string" || options.expectedState.length === 0) {
    throw new TypeError("startLoopbackListener: expectedState must be a non-empty string");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new TypeError("startLoopbackListener: timeoutMs must be positive");
  const cancelled = () =>
    new ConsentError("CANCELLED", "the sign-in was cancelled before the browser redirect arrived");
  if (options.signal?.aborted) throw cancelled();

  const logger = options.logger ?? silentLogger;
  const appName = options.appName ?? "partnerd";
  const { signal } = options;

  let settled = false;
  let resolveResult!: (value: LoopbackResult) => void;
  let rejectResult!: (error: ConsentError) => void;
  const result = new Promise<LoopbackResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // A caller that closes without awaiting `result` must not get an unhandled rejection.
  result.catch(() => {});

  let port = 0;
  let servers: Server[] = [];
  let timer: NodeJS.Timeout | undefined;
  let decided: ServerResponse | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      if (decided) await responseDone(decided, FLUSH_GRACE_MS);
      for (const server of servers) server.closeAllConnections();
      await Promise.all(closed);
      logger.debug("redirect listener closed", { port });
    })();
    return stopping;
  };

  const fail = (error: ConsentError): void => {
    if (settled) return;
    settled = true;
    rejectResult(error);
    void stop();
  };

  function onAbort(): void {
    fail(cancelled());
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (settled) return send(res, 410, finishedPage(appName));
    const request = await readRedirectRequest(req);
    if (settled) return send(res, 410, finishedPage(appName));
    if (request.kind === "ignore") {
      logger.debug("redirect listener ignored a request", { method: req.method, status: request.status });
      return send(res, request.status, request.status === 404 ? "" : waitingPage(appName), request.headers);
    }
    const decision = decideRedirect(request.params, options.expectedState);
    if (decision.kind === "ignore") {
      logger.debug("redirect listener ignored a request without sign-in parameters", { method: req.method });
      return send(res, 400, waitingPage(appName));
    }
    settled = true;
    decided = res;
    if (decision.kind === "success") {
      send(res, 200, successPage(appName));
      logger.debug("sign-in redirect received", { port, responseMode: request.mode });
      resolveResult({ code: decision.code });
    } else {
      send(res, decision.status, failurePage(appName, decision.page));
      logger.debug("sign-in redirect refused", {
        port,
        responseMode: request.mode,
        reason: decision.error.code,
      });
      rejectResult(decision.error);
    }
    void stop();
  };

  const bound = await bindLoopbackPort(
    first,
    last,
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        logger.debug("redirect listener failed to answer a request", { error: String(error) });
        if (!res.headersSent) send(res, 500, waitingPage(appName));
        else res.destroy();
      });
    },
    logger,
  );
  port = bound.port;
  servers = bound.servers;

  if (signal?.aborted) {
    settled = true;
    await stop();
    throw cancelled();
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  if (timeoutMs <= MAX_TIMER_MS) {
    timer = setTimeout(() => {
      fail(
        new ConsentError(
          "TIMEOUT",
          `no sign-in redirect reached http://localhost:${port}/ within ${describeDuration(timeoutMs)}; ` +
            "start the sign-in again and finish it in the browser sooner",
        ),
      );
    }, timeoutMs);
  }
  logger.debug("listening for the sign-in redirect", {
    port,
    addresses: servers.length === 2 ? ["127.0.0.1", "::1"] : ["127.0.0.1"],
  });

  return {
    port,
    redirectUri: `http://localhost:${port}/`,
    result,
    close: async () => {
      fail(
        new ConsentError("CANCELLED", "the sign-in listener was closed before the browser redirect arrived"),
      );
      await stop();
    },
  };
}
