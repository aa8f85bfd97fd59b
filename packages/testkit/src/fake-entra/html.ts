import type { EntraError, ErrorContext } from "./errors.ts";
import { entraTimestamp } from "./errors.ts";
import type { Reply } from "./http.ts";
import { html } from "./http.ts";
import type { FakeEntraUser } from "./types.ts";

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  "body{font-family:'Segoe UI',sans-serif;background:#f2f2f2;margin:0}main{max-width:440px;margin:10vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}h1{font-size:24px;font-weight:600}ul{padding-left:20px}.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}button{min-width:108px;padding:6px 12px;font-size:15px}";

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>
`;
}

/**
 * Entra's sign-in error page (no redirect): shown when the app is unknown or the redirect URI is not
 * registered, so the error cannot be sent back to the app.
 */
export function errorPage(err: EntraError, ctx: ErrorContext): Reply {
  const text = `AADSTS${err.code}: ${err.message}`;
  return html(
    err.status,
    page(
      "Sign in to your account",
      `<h1>Sign in</h1>
<p id="error-title">Sorry, but we’re having trouble signing you in.</p>
<p id="error-message">${escapeHtml(text)}</p>
<dl id="error-details">
<dt>Request Id</dt><dd>${escapeHtml(ctx.traceId)}</dd>
<dt>Correlation Id</dt><dd>${escapeHtml(ctx.correlationId)}</dd>
<dt>Timestamp</dt><dd>${escapeHtml(entraTimestamp(ctx.now))}</dd>
<dt>Message</dt><dd>${escapeHtml(text)}</dd>
</dl>`,
    ),
    { "x-ms-request-id": ctx.traceId, "client-request-id": ctx.correlationId },
  );
}

export interface ConsentPageInput {
  /** Form action, e.g. `/organizations/oauth2/v2.0/authorize/consent`. */
  action: string;
  requestId: string;
  user: Readonly<FakeEntraUser>;
  clientId: string;
  scopes: readonly string[];
}

/**
 * The consent page of `consent: "page"` mode: the signed-in user, the app and the requested permissions,
 * and a form with "Accept" (`#idSIButton9`, `name=action value=accept`) and "Cancel" (`#idBtn_Back`,
 * `value=cancel`) posting the hidden `request_id` back to the fake.
 */
export function consentPage(input: ConsentPageInput): Reply {
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("\n");
  return html(
    200,
    page(
      "Sign in to your account",
      `<div id="user"><span id="displayName">${escapeHtml(input.user.name)}</span> (<span id="username">${escapeHtml(input.user.preferredUsername)}</span>)</div>
<h1>Permissions requested</h1>
<p>The application <strong id="appId">${escapeHtml(input.clientId)}</strong> would like to:</p>
<ul id="scopes">
${scopes}
</ul>
<p>Accepting these permissions means that you allow this app to use your data.</p>
<form method="post" action="${escapeHtml(input.action)}" id="consentForm">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<div class="buttons">
<button type="submit" name="action" value="cancel" id="idBtn_Back">Cancel</button>
<button type="submit" name="action" value="accept" id="idSIButton9">Accept</button>
</div>
</form>`,
    ),
  );
}

/** `response_mode=form_post`: an auto-submitting form to the app's redirect URI, like Entra's. */
export function formPostPage(action: string, fields: readonly (readonly [string, string])[]): Reply {
  const inputs = fields
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}" />`)
    .join("");
  return html(
    200,
    `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${escapeHtml(action)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>`,
  );
}
