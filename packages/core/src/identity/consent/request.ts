import type { IncomingMessage } from "node:http";

/** How the authorization response reached us: `?query` (GET) or `response_mode=form_post` (POST body). */
export type ResponseMode = "query" | "form_post";

export type RedirectRequest =
  | { kind: "redirect"; params: URLSearchParams; mode: ResponseMode }
  /** Not a redirect: answer with `status` and keep waiting. */
  | { kind: "ignore"; status: number; headers?: Record<string, string> };

/** Entra's form_post body holds code, state, session_state and maybe client_info; far below this. */
const MAX_FORM_BYTES = 256 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", () => resolve(undefined));
  });
}

/**
 * Reads what a request to the redirect listener carries. Any path is accepted (like the cmdlet) except
 * `/favicon.ico`, which browsers fetch on their own; GET reads the query, POST an urlencoded form.
 */
export async function readRedirectRequest(req: IncomingMessage): Promise<RedirectRequest> {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://localhost");
  } catch {
    return { kind: "ignore", status: 400 };
  }
  if (req.method !== "GET" && req.method !== "POST") {
    return { kind: "ignore", status: 405, headers: { Allow: "GET, POST" } };
  }
  if (url.pathname === "/favicon.ico") return { kind: "ignore", status: 404 };
  if (req.method === "GET") return { kind: "redirect", params: url.searchParams, mode: "query" };

  const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (contentType !== "application/x-www-form-urlencoded") {
    req.resume();
    return { kind: "ignore", status: 415 };
  }
  const body = await readBody(req, MAX_FORM_BYTES);
  if (body === undefined) return { kind: "ignore", status: 413 };
  return { kind: "redirect", params: new URLSearchParams(body), mode: "form_post" };
}
