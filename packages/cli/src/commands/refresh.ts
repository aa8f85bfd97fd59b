import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { reportHookFailures } from "../hook-report.ts";
import { openCommandRuntime } from "../open-runtime.ts";

/**
 * Refreshes one profile now; exit code 1 when it did not end with the token redeemed and stored, or
 * when one of the hooks it raised failed (named on stderr; the token is stored all the same).
 */
export async function refreshCommand(profile: string, options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options);
  const config = await loadConfigFor(options, logger);
  const runtime = await openCommandRuntime(config, logger, `partnerd refresh ${profile}`);
  try {
    const outcome = await runtime.refresh(profile);
    if (outcome.status === "failed") process.exitCode = outcome.exitCode;
    else if (outcome.status === "skipped") process.exitCode = 1;
    if (reportHookFailures(outcome.hooks)) process.exitCode ||= 1;
  } finally {
    await runtime.close();
  }
}
