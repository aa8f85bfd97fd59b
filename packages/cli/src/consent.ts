import {
  type AppCredential,
  type IdentityClient,
  openBrowser,
  type ProfileConfig,
  type TokenResult,
  UsageError,
} from "@partnerd/core";

export interface ConsentOptions {
  method: "authorization-code" | "device-code";
  /** Print the sign-in URL without trying to open a browser (headless servers). */
  noBrowser: boolean;
  /** Port range for the browser redirect; the cmdlet's 8400–8999 unless overridden. */
  ports?: { first: number; last: number } | undefined;
}

/**
 * Runs a person's sign-in for `profile` (browser with a loopback redirect, or device code) and
 * returns the tokens. Instructions go to stderr; Ctrl-C cancels.
 */
export async function runConsent(
  identity: IdentityClient,
  profile: ProfileConfig,
  credential: AppCredential | undefined,
  options: ConsentOptions,
): Promise<TokenResult> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once("SIGINT", cancel);
  try {
    if (options.method === "device-code") {
      if (credential) {
        throw new UsageError(
          `profile "${profile.name}" has a client secret or certificate; device code needs a public client (use the browser sign-in)`,
        );
      }
      return await identity.consentWithDeviceCode(profile, {
        onMessage: (message) => process.stderr.write(`${message}\n`),
        signal: controller.signal,
      });
    }
    return await identity.consentInBrowser(profile, credential, {
      signal: controller.signal,
      ...(options.ports ? { firstPort: options.ports.first, lastPort: options.ports.last } : {}),
      onAuthorizeUrl: async (url) => {
        const opened = !options.noBrowser && (await openBrowser(url));
        process.stderr.write(
          opened
            ? `A browser was opened to sign in. If it did not appear, open this URL:\n\n  ${url}\n\n`
            : `To sign in, open this URL in a browser on this machine:\n\n  ${url}\n\n`,
        );
        process.stderr.write("Waiting for the sign-in to finish (Ctrl-C to cancel)...\n");
      },
    });
  } finally {
    process.off("SIGINT", cancel);
  }
}

/** `--ports 8400-8999`: the range the browser redirect listener may use. */
export function parsePortRange(value: string): { first: number; last: number } {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1 || last > 65_535 || first > last) {
    throw new UsageError(`--ports: expected FIRST-LAST within 1-65535, e.g. 8400-8999; got "${value}"`);
  }
  return { first, last };
}
