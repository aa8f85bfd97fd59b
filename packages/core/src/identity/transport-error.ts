/** Error codes Node and undici give for a TLS failure (certificate trust, name mismatch, handshake). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_|HOSTNAME_MISMATCH)/;

/** undici's own deadlines (the connection's is `network.timeoutMs` too), as opposed to the request's signal. */
const UNDICI_TIMEOUT = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * A failed request to the identity provider as a person would say it: "connection refused to
 * login.example.com:443", "TLS error from …", "timed out after 30 s". Names the host and port, never the
 * request body. `error` is what undici threw.
 */
export function describeTransportFailure(
  method: string,
  url: string,
  timeoutMs: number,
  error: unknown,
): Error {
  const { hostname, port, protocol, pathname } = new URL(url);
  const host = `${hostname}:${port || (protocol === "https:" ? "443" : "80")}`;
  const request = `${method} ${protocol}//${host}${pathname}`;
  const cause = innermost(error);
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? "";
  const detail = cause instanceof Error ? cause.message : String(cause);
  const aborted = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
  if (aborted || UNDICI_TIMEOUT.has(code)) {
    return new Error(
      `timed out after ${timeoutMs / 1000} s waiting for ${host} (${request}); see network.timeoutMs`,
    );
  }
  if (code === "ECONNREFUSED") return new Error(`connection refused to ${host} (${request})`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new Error(`cannot resolve host ${hostname} (${request})`);
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET")
    return new Error(`connection to ${host} was reset (${request})`);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return new Error(`no route to ${host} (${request})`);
  if (TLS_CODE.test(code)) {
    return new Error(
      `TLS error from ${host}: ${code} (${detail}); a private CA is trusted with network.caFile (${request})`,
    );
  }
  return new Error(`${request} failed: ${code ? `${code}: ` : ""}${detail}`);
}

function innermost(error: unknown): unknown {
  let at = error;
  for (let depth = 0; depth < 5 && at instanceof Error && at.cause !== undefined; depth++) at = at.cause;
  return at;
}
