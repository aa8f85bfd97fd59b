import { PartnerdRuntime } from "@partnerd/core";
import { builtinHooks } from "../builtin-hooks.ts";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { reportHookFailures } from "../hook-report.ts";

/**
 * Refreshes one profile now; exit code 1 when it did not end with the token redeemed and stored, or
 * when one of the hooks it raised failed (named on stderr; the token is stored all the same).
 */
export async function refreshCommand(profile: string, options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options);
  const config = await loadConfigFor(options, logger);
  const runtime = await PartnerdRuntime.open(config, {
    logger,
    builtinStores,
    builtinHooks,
    command: `partnerd refresh ${profile}`,
  });
  try {
    const outcome = await runtime.refresh(profile);
    if (outcome.status === "failed") process.exitCode = outcome.exitCode;
    else if (outcome.status === "skipped") process.exitCode = 1;
    if (reportHookFailures(outcome.hooks)) process.exitCode ||= 1;
  } finally {
    await runtime.close();
  }
}
