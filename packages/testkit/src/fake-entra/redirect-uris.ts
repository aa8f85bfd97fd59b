/** The redirect URI an app gets when `registerClient` is given none (msal / PowerShell loopback). */
export const DEFAULT_REDIRECT_URIS: readonly string[] = ["http://localhost"];

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

interface SplitUri {
  scheme: string;
  host: string;
  port: string;
  /** Everything after the authority, raw (path + query); `""` is the same as `"/"`. */
  rest: string;
}

/** Splits `scheme://host[:port]rest` without URL normalisation (so a trailing `/` stays significant). */
function split(uri: string): SplitUri | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d*))?([^#]*)$/i.exec(uri);
  if (!m) return undefined;
  return {
    scheme: (m[1] ?? "").toLowerCase(),
    host: (m[2] ?? "").toLowerCase(),
    port: m[3] ?? "",
    rest: m[4] === "/" ? "" : (m[4] ?? ""),
  };
}

/**
 * Whether `requested` matches the registered `registered` redirect URI the way Entra matches them:
 * `http://localhost` / `http://127.0.0.1` / `http://[::1]` ignore the port (RFC 8252 loopback rule);
 * everything else must be identical apart from scheme/host case. The path must match exactly, except
 * that an empty path and `/` are the same (`http://localhost` matches `http://localhost:8400/`).
 */
export function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  const a = split(registered);
  const b = split(requested);
  if (!a || !b) return false;
  if (a.scheme !== b.scheme || a.host !== b.host || a.rest !== b.rest) return false;
  if (a.scheme === "http" && LOOPBACK_HOSTS.has(a.host)) return true;
  return a.port === b.port;
}

/** Whether `requested` matches any of the app's redirect URIs. */
export function isRegisteredRedirectUri(registered: readonly string[], requested: string): boolean {
  return registered.some((r) => redirectUriMatches(r, requested));
}
