import {
  daemonSocketPath,
  MODULE_PRESETS,
  type ModuleName,
  PartnerdError,
  stateDirOf,
  UsageError,
} from "@partnerd/core/client";
import { type AdHocFlags, adHocFlagsGiven, applyFlagAliases } from "../ad-hoc/flags.ts";
import type { GlobalOptions } from "../context.ts";
import { askDaemonForToken, type DaemonTokenRequest } from "../daemon-client.ts";

export interface TokenOptions extends GlobalOptions, AdHocFlags {
  clientId?: string;
  tenantId?: string;
  json?: boolean;
  includeRefreshToken?: boolean;
  browser?: boolean;
}

/** With a profile these flags pick what the access token is for; the others describe an ad-hoc request. */
const PROFILE_REQUEST_FLAGS = new Set(["--tenant", "--scopes", "--module"]);

/**
 * Prints an access token. For a profile: from `partnerd run` over its socket when one runs (from its
 * cache, or one redemption it persists), else redeemed here under the profile's lock. Without a profile:
 * the ad-hoc request described by cmdlet-style flags. Plain token by default, for `$(…)`; `--json`
 * prints the cmdlet's AuthResult shape either way.
 */
export async function tokenCommand(profileName: string | undefined, given: TokenOptions): Promise<void> {
  const options = applyFlagAliases(given);
  if (options.includeRefreshToken && !options.json) {
    throw new UsageError("--include-refresh-token goes with --json");
  }
  if (profileName === undefined) return (await import("./token-direct.ts")).adHocToken(options);
  const adHoc = adHocFlagsGiven(options).filter((flag) => !PROFILE_REQUEST_FLAGS.has(flag));
  if (adHoc.length > 0) {
    throw new UsageError(
      `${adHoc.join(", ")} describe an ad-hoc request; leave them out when naming a profile (with a profile, --tenant, --scopes and --module pick the token)`,
    );
  }
  const request = profileRequest(profileName, options);
  // A refresh token is never served over the socket; asking for one redeems here, under the lock.
  if (!options.includeRefreshToken) {
    const stateDir = await stateDirOf({
      ...(options.config ? { configPath: options.config } : {}),
      cwd: process.cwd(),
    });
    const answer = stateDir
      ? await askDaemonForToken(daemonSocketPath(stateDir), request)
      : { kind: "absent" as const };
    if (answer.kind === "token") return printAuthResult(answer.authResult, options);
    if (answer.kind === "error") {
      const hint = answer.hint ? `\n${answer.hint}` : "";
      throw new PartnerdError(answer.code, `partnerd run could not answer: ${answer.message}${hint}`, {
        exitCode: answer.status === 404 || answer.status === 400 ? 2 : 1,
      });
    }
  }
  const authResult = await (await import("./token-direct.ts")).profileToken(request, options);
  if (authResult) printAuthResult(authResult, options);
}

function profileRequest(profile: string, options: TokenOptions): DaemonTokenRequest {
  let scopes = options.scopes;
  if (options.module !== undefined) {
    const preset = MODULE_PRESETS[options.module as ModuleName];
    if (!preset)
      throw new UsageError(
        `--module: "${options.module}" is not one of ${Object.keys(MODULE_PRESETS).join(", ")}`,
      );
    if (scopes) throw new UsageError("--module fixes the scopes; leave out --scopes");
    scopes = preset.scopes;
  }
  return {
    profile,
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    ...(scopes === undefined ? {} : { scopes }),
  };
}

export function printAuthResult(authResult: Record<string, unknown>, options: { json?: boolean }): void {
  process.stdout.write(
    options.json ? `${JSON.stringify(authResult, null, 2)}\n` : `${String(authResult.AccessToken)}\n`,
  );
}
