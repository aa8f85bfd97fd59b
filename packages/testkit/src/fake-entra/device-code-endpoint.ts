import type { EntraError } from "./errors.ts";
import { aadsts, errorContext, renderError } from "./errors.ts";
import type { Reply, RequestContext } from "./http.ts";
import { entraHeaders } from "./http.ts";
import { splitScopes } from "./minting.ts";
import type { EntraState } from "./state.ts";
import type { DeviceCodeRequestRecord } from "./types.ts";

export const DEVICE_LOGIN_URL = "https://microsoft.com/devicelogin";

/**
 * `POST /{tenant}/oauth2/v2.0/devicecode` (`client_id`, `scope`): starts a device code sign-in and
 * answers `{ user_code, device_code, verification_uri, expires_in, interval, message }` with the timings
 * in `state.deviceCode`. The code is then polled at the token endpoint (`grant_type=device_code`).
 */
export function deviceCodeEndpoint(state: EntraState) {
  return (ctx: RequestContext): Reply => {
    const form = new URLSearchParams(ctx.body);
    const errCtx = errorContext(ctx.baseUrl, ctx.headers["client-request-id"]);
    const tenant = ctx.params.tenant ?? "";
    const clientId = form.get("client_id") ?? "";
    const scopes = splitScopes(form.get("scope"));
    const record: DeviceCodeRequestRecord = { at: errCtx.now, tenant, clientId, scopes, status: 0 };
    const fail = (err: EntraError): Reply => {
      record.status = err.status;
      record.error = err.error;
      record.errorCode = err.code;
      state.deviceCodeRequests.push(record);
      return renderError(err, errCtx);
    };

    if (!clientId) return fail(aadsts.missingParameter("client_id"));
    if (!state.client(clientId)) return fail(aadsts.applicationNotFound(clientId, tenant));
    if (scopes.length === 0) return fail(aadsts.missingParameter("scope"));

    const { deviceCode, record: issued } = state.issueDeviceCode({
      clientId,
      tenant,
      scopes,
      now: errCtx.now,
    });
    record.status = 200;
    record.userCode = issued.userCode;
    state.deviceCodeRequests.push(record);
    const { expiresInSeconds, intervalSeconds } = state.deviceCode;
    return {
      status: 200,
      body: {
        user_code: issued.userCode,
        device_code: deviceCode,
        verification_uri: DEVICE_LOGIN_URL,
        expires_in: expiresInSeconds,
        interval: intervalSeconds,
        message: `To sign in, use a web browser to open the page ${DEVICE_LOGIN_URL} and enter the code ${issued.userCode} to authenticate.`,
      },
      headers: entraHeaders(errCtx.correlationId, errCtx.traceId),
    };
  };
}
