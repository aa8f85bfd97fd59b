import { createHash } from "node:crypto";

/**
 * The pages the browser shows after the redirect. Self-contained (no scripts, images or fonts), with a CSP
 * that allows only the one inline stylesheet (by hash) and a referrer policy that keeps the redirect URL,
 * which holds the code, from travelling anywhere.
 */

const STYLE =
  "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f5f7;color:#1f2328}" +
  "main{max-width:34rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:8px;" +
  "box-shadow:0 1px 3px rgba(0,0,0,.15)}h1{font-size:1.4rem;margin:0 0 .75rem}.ok{color:#1a7f37}" +
  ".fail{color:#cf222e}dl{margin:1rem 0 0}dt{font-weight:600}dd{margin:0 0 .5rem;overflow-wrap:anywhere;" +
  "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem}";

const STYLE_HASH = createHash("sha256").update(STYLE, "utf8").digest("base64");

export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** Headers for every page the listener serves. */
export function pageHeaders(body: string): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body, "utf8")),
    "Cache-Control": "no-store",
    Pragma: "no-cache",
    Connection: "close",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
  };
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function page(title: string, cssClass: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1 class="${cssClass}">${escapeHtml(title)}</h1>`,
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

export function successPage(appName: string): string {
  return page(
    "Authentication complete",
    "ok",
    `<p>You can close this tab and return to ${escapeHtml(appName)}.</p>`,
  );
}

export interface FailureDetails {
  /** One sentence on what went wrong, plain text. */
  summary: string;
  /** The OAuth `error` / `error_description`, shown verbatim (escaped). */
  error?: string | undefined;
  errorDescription?: string | undefined;
}

const MAX_SHOWN = 4000;

function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

export function failurePage(appName: string, details: FailureDetails): string {
  const rows: string[] = [];
  if (details.error !== undefined) rows.push(`<dt>error</dt><dd>${escapeHtml(clip(details.error))}</dd>`);
  if (details.errorDescription !== undefined) {
    rows.push(`<dt>error_description</dt><dd>${escapeHtml(clip(details.errorDescription))}</dd>`);
  }
  return page(
    "Authentication failed",
    "fail",
    [
      `<p>${escapeHtml(details.summary)}</p>`,
      rows.length > 0 ? `<dl>${rows.join("")}</dl>` : "",
      `<p>You can close this tab; ${escapeHtml(appName)} shows what to do next.</p>`,
    ].join("\n"),
  );
}

/** For requests that are not a sign-in redirect at all (no code, state or error): nothing was decided. */
export function waitingPage(appName: string): string {
  return page(
    "Waiting for sign-in",
    "fail",
    `<p>This address receives the sign-in redirect for ${escapeHtml(appName)}; this request was not one. ` +
      "Finish signing in from the link it printed.</p>",
  );
}

/** For requests that arrive after the redirect was already handled. */
export function finishedPage(appName: string): string {
  return page(
    "Sign-in already handled",
    "ok",
    `<p>This address already received the sign-in redirect. You can close this tab and return to ${escapeHtml(appName)}.</p>`,
  );
}
