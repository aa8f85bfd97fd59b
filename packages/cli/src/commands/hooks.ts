import { HOOK_EVENTS, type HookEventName, samplePayload, UsageError } from "@partnerd/core";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { reportHookFailures } from "../hook-report.ts";
import { openCommandRuntime } from "../open-runtime.ts";

export interface HooksTestOptions extends GlobalOptions {
  event: string;
}

/**
 * Fires the profile's hooks that subscribe to `--event` with a sample payload (no token is redeemed,
 * none is sent), so that a webhook or script can be checked before it matters. Exit 1 when one failed.
 */
export async function hooksTestCommand(profileName: string, options: HooksTestOptions): Promise<void> {
  const event = options.event as HookEventName;
  if (!HOOK_EVENTS.includes(event)) {
    throw new UsageError(`--event: "${options.event}" is not one of ${HOOK_EVENTS.join(", ")}`);
  }
  const logger = loggerFor(options);
  const config = await loadConfigFor(options, logger);
  const runtime = await openCommandRuntime(config, logger, `partnerd hooks test ${profileName}`);
  try {
    const profile = runtime.engine.profile(profileName);
    const names = runtime.hooks.hooksFor(profile.name, event);
    if (names.length === 0) {
      throw new UsageError(`no hook of profile "${profile.name}" runs on "${event}" (see their on: lists)`);
    }
    const { reports } = await runtime.hooks.collect(profile.name, async () =>
      runtime.hooks.dispatch(samplePayload(event, profile.name)),
    );
    if (reportHookFailures(reports)) process.exitCode = 1;
    for (const report of reports.filter((r) => r.ok)) {
      process.stderr.write(`partnerd: hook "${report.hook}" ran on a sample "${event}" event\n`);
    }
  } finally {
    await runtime.close();
  }
}
