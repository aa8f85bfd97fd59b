import { Agent, request } from "node:https";

/**
 * TEST SUPPORT. Structurally identical to msal-node's `INetworkModule` (kept local so testkit needs no
 * runtime or type dependency on msal): pass the result as `system.networkClient`.
 */
export interface MsalNetworkModule {
  sendGetRequestAsync<T>(
    url: string,
    options?: MsalNetworkRequestOptions,
    timeout?: number,
  ): Promise<MsalNetworkResponse<T>>;
  sendPostRequestAsync<T>(url: string, options?: MsalNetworkRequestOptions): Promise<MsalNetworkResponse<T>>;
}

/** Mirrors msal's `NetworkRequestOptions` (the fields a network client uses). */
export interface MsalNetworkRequestOptions {
  headers?: Record<string, string>;
  body?: string;
}

/** Mirrors msal's `NetworkResponse<T>`; header names are lower-case. */
export interface MsalNetworkResponse<T> {
  headers: Record<string, string>;
  body: T;
  status: number;
}

/** Options for {@link createFakeEntraNetworkClient}. */
export interface FakeEntraNetworkClientOptions {
  /** PEM CA(s) to trust, e.g. `entra.caPem`. Only these are trusted (no system roots). */
  ca: string | string[];
  /** Per-request timeout in ms (transport error on expiry). Default 10 000. */
  timeoutMs?: number;
}

/** A {@link MsalNetworkModule} that also owns an HTTPS agent. */
export interface FakeEntraNetworkClient extends MsalNetworkModule {
  /** Destroys the agent's sockets. */
  destroy(): void;
}

/**
 * TEST SUPPORT: an msal `INetworkModule` over `node:https` that trusts exactly the given CA (no
 * NODE_EXTRA_CA_CERTS). Resolves `{ status, headers, body }` for EVERY HTTP status (msal parses 4xx/5xx
 * bodies and `Retry-After` itself) and rejects only on transport errors, timeouts or non-JSON bodies.
 */
export function createFakeEntraNetworkClient(opts: FakeEntraNetworkClientOptions): FakeEntraNetworkClient {
  const agent = new Agent({ ca: opts.ca, keepAlive: false });
  const timeoutMs = opts.timeoutMs ?? 10_000;

  const send = <T>(
    url: string,
    method: "GET" | "POST",
    options: MsalNetworkRequestOptions | undefined,
    timeout: number,
  ): Promise<MsalNetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const body = method === "POST" ? (options?.body ?? "") : undefined;
      const headers: Record<string, string | number> = { ...options?.headers };
      if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
      const req = request(url, { method, agent, headers, timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: T;
          try {
            parsed = (text === "" ? {} : JSON.parse(text)) as T;
          } catch {
            reject(new Error(`FakeEntra network client: non-JSON response (HTTP ${res.statusCode})`));
            return;
          }
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
          }
          resolve({ status: res.statusCode ?? 0, headers: out, body: parsed });
        });
      });
      req.on("timeout", () =>
        req.destroy(new Error(`FakeEntra network client: timed out after ${timeout} ms`)),
      );
      req.on("error", reject);
      req.end(body);
    });

  return {
    sendGetRequestAsync: <T>(url: string, options?: MsalNetworkRequestOptions, timeout?: number) =>
      send<T>(url, "GET", options, timeout && timeout > 0 ? timeout : timeoutMs),
    sendPostRequestAsync: <T>(url: string, options?: MsalNetworkRequestOptions) =>
      send<T>(url, "POST", options, timeoutMs),
    destroy: () => agent.destroy(),
  };
}
