import type { DeviceCodeRequest } from "@azure/msal-node";
import { ConsentError } from "../consent/errors.ts";
import { createPublicApp } from "../msal-app.ts";
import { type TokenResult, toTokenResult } from "../token-result.ts";
import { appOptions, type FlowContext } from "./context.ts";

export interface DeviceCodeOptions {
  /** Receives the provider's instruction ("To sign in, use a web browser to open …"). */
  onMessage(message: string): void;
  /** Abort stops polling (Ctrl-C). */
  signal?: AbortSignal;
  /** Give up after this many seconds even if the code is still valid. */
  timeoutSeconds?: number;
}

/**
 * Device-code consent with a public client (`-UseDeviceAuthentication`, and the ExchangeOnline
 * module). msal polls at the server's `interval` until the person approves, declines or the code expires.
 */
export async function consentWithDeviceCode(
  context: FlowContext,
  options: DeviceCodeOptions,
): Promise<TokenResult> {
  const app = createPublicApp(appOptions(context));
  const request: DeviceCodeRequest = {
    scopes: context.profile.scopes,
    deviceCodeCallback: (response) => options.onMessage(response.message),
    ...(options.timeoutSeconds ? { timeout: options.timeoutSeconds } : {}),
  };
  // msal checks `request.cancel` between polls.
  const onAbort = () => {
    request.cancel = true;
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await app.acquireTokenByDeviceCode(request);
    return toTokenResult(result, app, context.profile.applicationId);
  } catch (error) {
    // msal reports its own "user_canceled"; say it as the browser sign-in does.
    if (options.signal?.aborted) {
      throw new ConsentError("CANCELLED", "the sign-in was cancelled before the device code was approved", {
        cause: error,
      });
    }
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
