import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Reply } from "../fake-entra/http.ts";
import { type LoopbackServer, readBody, startLoopbackServer } from "../loopback/loopback-server.ts";
import { authenticate, describeCaller } from "./auth.ts";
import { kvError, kvErrors } from "./errors.ts";
import { matchRoute } from "./routes.ts";
import type { VaultState } from "./state.ts";

export interface KeyVaultServerOptions {
  port: number;
  keyPem: string;
  certPem: string;
  state: VaultState;
  tenantId: string;
  authority: string;
  vaultName: string;
  location: string;
}

/** A running HTTPS listener on 127.0.0.1. */
export interface RunningKeyVaultServer {
  port: number;
  /** Stops listening, drops every connection (keep-alive and in-flight) and cancels pending delays. */
  close(): Promise<void>;
}

/**
 * Starts the loopback HTTPS server. Per request: latency → 401 challenge / token check → api-version →
 * route → injected failure (`failNext`) → denied permission (`deny`) → handler. Logs nothing.
 */
export async function startKeyVaultServer(opts: KeyVaultServerOptions): Promise<RunningKeyVaultServer> {
  const { state } = opts;
  const dispatch = (
    method: string,
    url: URL,
    headers: IncomingMessage["headers"],
    body: string,
    baseUrl: string,
  ): Reply => {
    const auth = authenticate(headers, opts.authority, opts.tenantId);
    if (!auth.ok) return auth.reply;
    const apiVersion = url.searchParams.get("api-version") ?? "";
    if (!/^(7\.\d+(-preview(\.\d+)?)?|\d{4}-\d\d-\d\d(-preview)?)$/.test(apiVersion)) {
      return kvErrors.badParameter(
        apiVersion === ""
          ? "The api-version query parameter is missing."
          : `The specified api-version ${apiVersion} is not supported.`,
      );
    }
    const match = matchRoute(method, url.pathname);
    if (match.kind === "wrong-method") {
      const reply = kvError(
        405,
        "MethodNotAllowed",
        `The requested resource does not support http method '${method}'.`,
      );
      return { ...reply, headers: { allow: match.allowed.join(", ") } };
    }
    if (match.kind === "none") {
      return kvError(404, "NotFound", `FakeKeyVault: no route for ${method} ${url.pathname}`);
    }
    const failure = state.takeFailure();
    if (failure) {
      return failure.status === 429
        ? kvErrors.throttled(failure.retryAfterSeconds)
        : kvErrors.serviceUnavailable(failure.retryAfterSeconds);
    }
    if (state.isDenied(match.route.operation, auth.caller)) {
      return kvErrors.forbidden(
        match.route.operation,
        describeCaller(auth.caller),
        opts.vaultName,
        opts.location,
      );
    }
    return match.route.handler({ state, params: match.params, body, baseUrl });
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    loopback: LoopbackServer,
  ): Promise<void> => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", loopback.baseUrl);
    let reply: Reply;
    try {
      const body = await readBody(req);
      if (!(await loopback.delay(state.latencyMs)) || loopback.closing) return void res.destroy();
      reply = dispatch(method, url, req.headers, body, loopback.baseUrl);
    } catch {
      reply = kvError(500, "InternalServerError", "FakeKeyVault: internal error");
    }
    const errorCode = (reply.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    state.requests.push({
      method,
      path: url.pathname,
      apiVersion: url.searchParams.get("api-version") ?? "",
      authenticated: /^Bearer\s/i.test(req.headers.authorization ?? ""),
      status: reply.status,
      ...(typeof errorCode === "string" ? { errorCode } : {}),
      at: new Date(),
    });
    send(res, reply);
  };

  const server = await startLoopbackServer(
    { port: opts.port, tls: { keyPem: opts.keyPem, certPem: opts.certPem } },
    handle,
  );
  return { port: server.port, close: () => server.close() };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...reply.headers });
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "x-ms-keyvault-service-version": "1.9.0.0",
    "x-ms-request-id": randomUUID(),
    ...reply.headers,
  });
  res.end(payload);
}
