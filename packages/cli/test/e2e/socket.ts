import { request } from "node:http";
import { join } from "node:path";

/** The socket API's JSON: an AuthResult, a status list, or `{ error: { code, message, hint? } }`. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whichever shape the endpoint returns
type ApiAnswer = any;

/** One raw HTTP request to the daemon's socket, for tests of its API. */
export function socketRequest(
  stateDir: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; json: ApiAnswer }> {
  return new Promise((resolve, reject) => {
    const call = request({ socketPath: join(stateDir, "partnerd.sock"), method, path }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }),
      );
    });
    call.on("error", reject);
    call.end(body);
  });
}
