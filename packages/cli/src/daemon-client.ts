import { request } from "node:http";
import { PartnerdError } from "@partnerd/core/client";

export interface DaemonTokenRequest {
  profile: string;
  tenant?: string;
  scopes?: string[];
}

export type DaemonAnswer =
  /** The AuthResult JSON `partnerd token --json` prints. */
  | { kind: "token"; authResult: Record<string, unknown> }
  | { kind: "error"; status: number; code: string; message: string; hint?: string }
  /** No daemon listens (no socket, a dead daemon's socket, or one that is stopping). */
  | { kind: "absent" };

const DAEMON_GONE = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "ECONNRESET", "EPIPE"]);
/** A miss waits for the daemon's redemption, which may wait for the profile's lock (60 s) first. */
const ANSWER_TIMEOUT_MS = 180_000;

/** Asks `partnerd run` on its Unix socket for an access token. */
export function askDaemonForToken(socketPath: string, body: DaemonTokenRequest): Promise<DaemonAnswer> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const call = request(
      {
        socketPath,
        path: "/v1/token",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
        // Connecting to a Unix socket fails at once when nobody listens; the wait is for the answer.
        timeout: ANSWER_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          try {
            resolve(answerOf(response.statusCode ?? 0, JSON.parse(Buffer.concat(chunks).toString("utf8"))));
          } catch {
            reject(
              new PartnerdError(
                "DAEMON_ANSWER",
                `something answered on ${socketPath} that is not partnerd run's API (HTTP ${response.statusCode})`,
              ),
            );
          }
        });
      },
    );
    call.on("timeout", () =>
      call.destroy(
        new PartnerdError(
          "DAEMON_TIMEOUT",
          `partnerd run on ${socketPath} did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`,
        ),
      ),
    );
    call.on("error", (error: NodeJS.ErrnoException) => {
      // A socket file with nobody behind it is a crashed daemon's; no file, no daemon. A daemon that died
      // while answering may have redeemed: whoever takes the profile's lock next replays its journal.
      if (error.code && DAEMON_GONE.has(error.code)) resolve({ kind: "absent" });
      else reject(error);
    });
    call.end(text);
  });
}

function answerOf(status: number, body: unknown): DaemonAnswer {
  if (status === 200) return { kind: "token", authResult: body as Record<string, unknown> };
  const error = (body as { error?: { code?: string; message?: string; hint?: string } }).error ?? {};
  if (status === 503 && error.code === "STOPPING") return { kind: "absent" };
  return {
    kind: "error",
    status,
    code: error.code ?? "UNKNOWN",
    message: error.message ?? `HTTP ${status}`,
    ...(error.hint ? { hint: error.hint } : {}),
  };
}
