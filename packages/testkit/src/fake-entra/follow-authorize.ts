import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

/** Options for {@link followAuthorizeUrl}. */
export interface FollowAuthorizeOptions {
  /** PEM CA to trust for the fake (e.g. `entra.caPem`). */
  ca: string;
  /** What to click when the fake shows its consent page (`consent: "page"`); default `"accept"`. */
  consent?: "accept" | "cancel";
  /**
   * Also make the browser's last hop to the app: GET the redirect URI (query/fragment modes; a fragment is
   * not sent, like a browser) or POST the form_post fields to it. Default false: stop at the fake's answer.
   */
  deliver?: boolean;
  /** Per-request timeout in ms; default 10 000. */
  timeoutMs?: number;
}

/** What the browser ended up with. */
export interface FollowAuthorizeResult {
  /**
   * The app URL the fake sent the browser to: the 302 `Location` (with its query; a fragment is moved to
   * `params`), or a form_post page's `action`; undefined when the fake answered with a page that goes
   * nowhere (its HTML error page).
   */
  callbackUrl: string | undefined;
  /** The response parameters: query / fragment of the redirect, or the form_post fields. */
  params: Record<string, string>;
  /** How they were delivered. */
  responseMode: "query" | "fragment" | "form_post" | undefined;
  /** Status and body of the fake's last response (e.g. 400 + the HTML of an AADSTS50011 error page). */
  status: number;
  html: string;
  /** The app's answer to the last hop when `deliver` was set. */
  app?: { status: number; headers: IncomingHttpHeaders; body: string };
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * TEST SUPPORT: plays the browser for an authorize URL built by msal (`getAuthCodeUrl`, or the URL
 * `acquireTokenInteractive` passes to `openBrowser`) against {@link FakeEntra}: follows the fake's
 * redirects, clicks Accept/Cancel on its consent page, reads an auto-submitting form_post page, and
 * optionally delivers the result to the app's loopback listener — no real browser needed.
 */
export async function followAuthorizeUrl(
  url: string,
  opts: FollowAuthorizeOptions,
): Promise<FollowAuthorizeResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const origin = new URL(url).origin;
  let res = await send(url, "GET", undefined, opts.ca, timeoutMs);
  let current = url;

  for (let hop = 0; hop < 10; hop++) {
    const location = header(res.headers.location);
    if (res.status >= 300 && res.status < 400 && location !== undefined) {
      const next = new URL(location, current);
      if (next.origin === origin) {
        current = next.href;
        res = await send(current, "GET", undefined, opts.ca, timeoutMs);
        continue;
      }
      const hash = next.hash.startsWith("#") ? next.hash.slice(1) : "";
      const responseMode = hash !== "" ? "fragment" : "query";
      const params = Object.fromEntries(
        new URLSearchParams(responseMode === "fragment" ? hash : next.search),
      );
      next.hash = "";
      const result: FollowAuthorizeResult = {
        callbackUrl: next.href,
        params,
        responseMode,
        status: res.status,
        html: res.body,
      };
      if (opts.deliver) result.app = await send(next.href, "GET", undefined, opts.ca, timeoutMs);
      return result;
    }

    const consent = /<form[^>]*action="([^"]+)"[^>]*id="consentForm"/.exec(res.body);
    if (consent?.[1] !== undefined) {
      const requestId = /name="request_id" value="([^"]*)"/.exec(res.body)?.[1] ?? "";
      current = new URL(unescapeHtml(consent[1]), current).href;
      const form = new URLSearchParams({
        request_id: unescapeHtml(requestId),
        action: opts.consent ?? "accept",
      });
      res = await send(current, "POST", form.toString(), opts.ca, timeoutMs);
      continue;
    }

    const formPost = /<form method="POST" name="hiddenform" action="([^"]+)">/.exec(res.body);
    if (formPost?.[1] !== undefined) {
      const fields: [string, string][] = [];
      for (const m of res.body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)" \/>/g)) {
        fields.push([unescapeHtml(m[1] ?? ""), unescapeHtml(m[2] ?? "")]);
      }
      const action = unescapeHtml(formPost[1]);
      const result: FollowAuthorizeResult = {
        callbackUrl: action,
        params: Object.fromEntries(fields),
        responseMode: "form_post",
        status: res.status,
        html: res.body,
      };
      if (opts.deliver) {
        result.app = await send(action, "POST", new URLSearchParams(fields).toString(), opts.ca, timeoutMs);
      }
      return result;
    }

    return {
      callbackUrl: undefined,
      params: {},
      responseMode: undefined,
      status: res.status,
      html: res.body,
    };
  }
  throw new Error("followAuthorizeUrl: too many redirects");
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function send(
  url: string,
  method: "GET" | "POST",
  body: string | undefined,
  ca: string,
  timeout: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string | number> = { accept: "text/html,*/*" };
    if (body !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = Buffer.byteLength(body);
    }
    const options = { method, headers, timeout };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    };
    const req =
      target.protocol === "https:"
        ? httpsRequest(target, { ...options, ca, agent: false }, onResponse)
        : httpRequest(target, { ...options, agent: false }, onResponse);
    req.on("timeout", () =>
      req.destroy(new Error(`followAuthorizeUrl: ${method} timed out after ${timeout} ms`)),
    );
    req.on("error", reject);
    req.end(body);
  });
}
