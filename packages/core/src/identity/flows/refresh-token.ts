import type { Secret } from "../../secret.ts";
import { createMsalApp } from "../msal-app.ts";
import { type TokenResult, toTokenResult } from "../token-result.ts";
import { appOptions, type FlowContext } from "./context.ts";

/**
 * Redeems a refresh token once (the cmdlet's RefreshToken set). `forceCache: true` makes msal keep the
 * result although the account was never in this app's cache, so the rotated token can be read back.
 */
export async function redeemRefreshToken(context: FlowContext, refreshToken: Secret): Promise<TokenResult> {
  const app = createMsalApp(appOptions(context));
  const result = await app.acquireTokenByRefreshToken({
    refreshToken: refreshToken.reveal(),
    scopes: context.profile.scopes,
    forceCache: true,
  });
  return toTokenResult(result, app, context.profile.applicationId);
}
