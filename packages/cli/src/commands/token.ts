import { PartnerdRuntime, type TokenResult, UsageError } from "@partnerd/core";
import { type AdHocFlags, adHocFlagsGiven, applyFlagAliases } from "../ad-hoc/flags.ts";
import { runAdHoc } from "../ad-hoc/run.ts";
import { toAuthResult } from "../auth-result.ts";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";

export interface TokenOptions extends GlobalOptions, AdHocFlags {
  clientId?: string;
  tenantId?: string;
  json?: boolean;
  includeRefreshToken?: boolean;
  browser?: boolean;
}

/**
 * Prints an access token: for a profile (a rotated refresh token is persisted exactly as the daemon
 * does), or for an ad-hoc request described by cmdlet-style flags. Plain token by default, for `$(…)`;
 * `--json` prints the cmdlet's AuthResult shape.
 */
export async function tokenCommand(profileName: string | undefined, given: TokenOptions): Promise<void> {
  const options = applyFlagAliases(given);
  const logger = loggerFor(options, { stream: "stderr", defaultLevel: "warn" });
  if (options.includeRefreshToken && !options.json) {
    throw new UsageError("--include-refresh-token goes with --json");
  }
  let token: TokenResult | undefined;
  if (profileName !== undefined) {
    const flags = adHocFlagsGiven(options);
    if (flags.length > 0) {
      throw new UsageError(
        `${flags.join(", ")} describe an ad-hoc request; leave them out when naming a profile`,
      );
    }
    token = await tokenForProfile(profileName, options, logger);
  } else {
    token = await runAdHoc(options, { noBrowser: options.browser === false, logger });
    if (token.refreshToken && !options.includeRefreshToken) {
      process.stderr.write(
        "partnerd: note: a refresh token was issued and is not shown; add --json --include-refresh-token to receive it\n",
      );
    }
  }
  if (!token) {
    process.exitCode ||= 1;
    return;
  }
  if (options.json) {
    const result = toAuthResult(token, { includeRefreshToken: options.includeRefreshToken === true });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (options.accessToken !== undefined) {
    // The token was handed in; echoing it back tells nothing. Say what it is instead.
    process.stdout.write(
      `tenant: ${token.tenantId}\nscopes: ${token.scopes.join(" ")}\nexpires: ${token.expiresOn.toISOString()}\n`,
    );
  } else {
    process.stdout.write(`${token.accessToken.reveal()}\n`);
  }
}

async function tokenForProfile(
  profileName: string,
  options: GlobalOptions,
  logger: ReturnType<typeof loggerFor>,
): Promise<TokenResult | undefined> {
  const config = await loadConfigFor(options, logger);
  const runtime = await PartnerdRuntime.open(config, { logger, builtinStores });
  try {
    let outcome = await runtime.refresh(profileName);
    // A journaled token was persisted first; redeem it to get an access token.
    if (outcome.status === "refreshed" && !outcome.token) outcome = await runtime.refresh(profileName);
    if (outcome.status === "refreshed" || outcome.status === "checked") return outcome.token;
    if (outcome.status === "failed") process.exitCode = outcome.exitCode;
    return undefined;
  } finally {
    await runtime.close();
  }
}
