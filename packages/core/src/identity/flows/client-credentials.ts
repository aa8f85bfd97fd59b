import { createConfidentialApp } from "../msal-app.ts";
import { type TokenResult, toTokenResult } from "../token-result.ts";
import { appOptions, type FlowContext } from "./context.ts";

/** App-only token (the cmdlet's ServicePrincipal / ServicePrincipalCertificate sets). */
export async function acquireAppToken(context: FlowContext): Promise<TokenResult> {
  const app = createConfidentialApp(appOptions(context));
  const result = await app.acquireTokenByClientCredential({
    scopes: context.profile.scopes,
    skipCache: true,
  });
  return toTokenResult(result, app, context.profile.applicationId);
}
