import type { IncomingMessage, ServerResponse } from "node:http";
import type { ProfileReport } from "@partnerd/core";
import { toAuthResult } from "../auth-result.ts";
import { sendJson } from "./json-response.ts";
import { type AccessTokenRequest, ServiceError, type TokenService } from "./token-service.ts";

const MAX_BODY_BYTES = 64 * 1024;

export interface SocketApiDeps {
  tokens: TokenService;
  status: () => Promise<ProfileReport[]>;
  startedAt: Date;
}

/**
 * The daemon's HTTP/JSON API on its Unix socket:
 * - `POST /v1/token` `{ "profile": "pc", "tenant"?: "...", "scopes"?: ["..."] }` → the AuthResult JSON
 *   that `partnerd token --json` prints (never a refresh token);
 * - `GET /v1/status` → every profile's report, as `partnerd status --json`;
 * - `GET /v1/health` → `{ "ok": true, "pid": ..., "since": ... }`.
 * Errors: `{ "error": { "code", "message", "hint"? } }` with 400, 404, 405, 409, 413, 5xx.
 */
export function socketApi(deps: SocketApiDeps) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const path = new URL(request.url ?? "/", "http://partnerd").pathname;
      if (path === "/v1/token") {
        allow(request, "POST");
        const token = await deps.tokens.token(parseTokenRequest(await readBody(request)));
        return sendJson(response, 200, toAuthResult(token));
      }
      if (path === "/v1/status") {
        allow(request, "GET");
        return sendJson(response, 200, await deps.status());
      }
      if (path === "/v1/health") {
        allow(request, "GET");
        return sendJson(response, 200, { ok: true, pid: process.pid, since: deps.startedAt.toISOString() });
      }
      throw new ServiceError(
        404,
        "NOT_FOUND",
        `no such endpoint: ${path} (see /v1/token, /v1/status, /v1/health)`,
      );
    } catch (error) {
      const failure =
        error instanceof ServiceError
          ? error
          : new ServiceError(500, "UNEXPECTED", error instanceof Error ? error.message : String(error));
      sendJson(response, failure.status, {
        error: {
          code: failure.code,
          message: failure.message,
          ...(failure.hint ? { hint: failure.hint } : {}),
        },
      });
    }
  };
}

function allow(request: IncomingMessage, method: string): void {
  if (request.method !== method) {
    throw new ServiceError(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use ${method}`);
  }
}

export function parseTokenRequest(body: string): AccessTokenRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ServiceError(
      400,
      "MALFORMED_JSON",
      `the request body is not JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ServiceError(400, "BAD_REQUEST", 'expected a JSON object like {"profile": "pc"}');
  }
  const { profile, tenant, scopes, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new ServiceError(
      400,
      "BAD_REQUEST",
      `unknown field(s) ${unknown.join(", ")}; expected profile, tenant, scopes`,
    );
  }
  if (typeof profile !== "string" || profile === "") {
    throw new ServiceError(400, "BAD_REQUEST", '"profile" must be a profile name from the config');
  }
  if (tenant !== undefined && (typeof tenant !== "string" || tenant === "")) {
    throw new ServiceError(400, "BAD_REQUEST", '"tenant" must be a tenant id or domain');
  }
  if (
    scopes !== undefined &&
    (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== "string" || s === ""))
  ) {
    throw new ServiceError(400, "BAD_REQUEST", '"scopes" must be a non-empty list of scope strings');
  }
  return {
    profile,
    ...(tenant === undefined ? {} : { tenant }),
    ...(scopes === undefined ? {} : { scopes: scopes as string[] }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ServiceError(413, "TOO_LARGE", "the request body is over 64 KiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
