import { MODULE_PRESETS, type ModuleName, type TokenResult, UsageError } from "@partnerd/core";
import { runAdHoc } from "../ad-hoc/run.ts";
import { toAuthResult } from "../auth-result.ts";
import { loadConfigFor, loggerFor } from "../context.ts";
import type { DaemonTokenRequest } from "../daemon-client.ts";
import { openCommandRuntime } from "../open-runtime.ts";
import { printAuthResult, type TokenOptions } from "./token.ts";

/** No daemon: redeem here, under the profile's lock, persisting a rotated refresh token like the daemon. */
export async function profileToken(
  request: DaemonTokenRequest,
  options: TokenOptions,
): Promise<Record<string, unknown> | undefined> {
  const logger = loggerFor(options, { stream: "stderr", defaultLevel: "warn" });
  const config = await loadConfigFor(options, logger);
  const runtime = await openCommandRuntime(config, logger, `partnerd token ${request.profile}`);
  try {
    const profile = runtime.engine.profile(request.profile);
    const preset = options.module === undefined ? undefined : MODULE_PRESETS[options.module as ModuleName];
    if (preset && preset.applicationId !== profile.applicationId) {
      throw new UsageError(
        `--module ${options.module} uses app ${preset.applicationId}, but profile "${profile.name}" uses ${profile.applicationId}: a refresh token only works for its own app (give the profile "module: ${options.module}")`,
      );
    }
    const { tenant, scopes } = request;
    const own = (tenant === undefined || tenant === profile.tenant) && scopes === undefined;
    const ask = () =>
      runtime.refresh(
        profile.name,
        own ? {} : { ...(tenant ? { tenant } : {}), ...(scopes ? { scopes } : {}) },
      );
    let outcome = await ask();
    // A journaled token was persisted first; redeem it to get an access token.
    if (outcome.status === "refreshed" && !outcome.token) outcome = await ask();
    if ((outcome.status === "refreshed" || outcome.status === "checked") && outcome.token) {
      return toAuthResult(outcome.token, { includeRefreshToken: options.includeRefreshToken === true });
    }
    process.exitCode = outcome.status === "failed" ? outcome.exitCode : 1;
    return undefined;
  } finally {
    await runtime.close();
  }
}

/** The cmdlet-style request without a profile; stores nothing. */
export async function adHocToken(options: TokenOptions): Promise<void> {
  const logger = loggerFor(options, { stream: "stderr", defaultLevel: "warn" });
  const token: TokenResult = await runAdHoc(options, { noBrowser: options.browser === false, logger });
  if (token.refreshToken && !options.includeRefreshToken) {
    process.stderr.write(
      "partnerd: note: a refresh token was issued and is not shown; add --json --include-refresh-token to receive it\n",
    );
  }
  if (options.accessToken !== undefined && !options.json) {
    // The token was handed in; echoing it back tells nothing. Say what it is instead.
    process.stdout.write(
      `tenant: ${token.tenantId}\nscopes: ${token.scopes.join(" ")}\nexpires: ${token.expiresOn.toISOString()}\n`,
    );
    return;
  }
  printAuthResult(
    toAuthResult(token, { includeRefreshToken: options.includeRefreshToken === true }),
    options,
  );
}
