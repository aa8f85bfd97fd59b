import { CryptoProvider } from "@azure/msal-node";
import { startLoopbackListener } from "../consent/loopback.ts";
import { generateState } from "../consent/state.ts";
import { createMsalApp } from "../msal-app.ts";
import { type TokenResult, toTokenResult } from "../token-result.ts";
import { appOptions, type FlowContext } from "./context.ts";

export interface AuthorizationCodeOptions {
  /** Shows the person where to sign in: print it, open a browser, or both. */
  onAuthorizeUrl(url: string): void | Promise<void>;
  signal?: AbortSignal;
  /** Port range for the redirect listener; the cmdlet's 8400–8999 by default. */
  firstPort?: number;
  lastPort?: number;
  timeoutMs?: number;
}

/**
 * Browser consent (`-UseAuthorizationCode`, and the cmdlet's default for users) for public and
 * confidential clients alike: a loopback redirect to `http://localhost:<port>/` on the first free port,
 * PKCE and a verified `state` (the cmdlet checked neither), then the code is redeemed with the app's
 * credential.
 */
export async function consentWithAuthorizationCode(
  context: FlowContext,
  options: AuthorizationCodeOptions,
): Promise<TokenResult> {
  const app = createMsalApp(appOptions(context));
  const state = generateState();
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const listener = await startLoopbackListener({
    expectedState: state,
    logger: context.logger,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.firstPort ? { firstPort: options.firstPort } : {}),
    ...(options.lastPort ? { lastPort: options.lastPort } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  try {
    const request = {
      scopes: context.profile.scopes,
      redirectUri: listener.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state,
      // Entra shows its account picker, as the cmdlet did. A generic OIDC provider gets no prompt: which
      // values it supports varies (oidc-provider refuses select_account), and it signs in without one.
      ...(context.profile.protocol === "oidc" ? {} : { prompt: "select_account" }),
      responseMode: "query" as const,
    };
    await options.onAuthorizeUrl(await app.getAuthCodeUrl(request));
    const { code } = await listener.result;
    const result = await app.acquireTokenByCode(
      {
        code,
        scopes: context.profile.scopes,
        redirectUri: listener.redirectUri,
        codeVerifier: verifier,
        state,
      },
      { code, state },
    );
    return toTokenResult(result, app, context.profile.applicationId);
  } finally {
    await listener.close();
  }
}
