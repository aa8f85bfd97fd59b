import { checkHooks, formatConfigIssue, StoreRegistry, writeRateWarnings } from "@partnerd/core/config";
import { builtinHooks } from "../builtin-hooks.ts";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";

/**
 * Checks the config, that every store plugin resolves and accepts its options, that every hook plugin
 * resolves and handles its events, and how often each schedule writes each store, without opening a
 * store, setting up a hook or writing anything.
 */
export async function validateCommand(options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options, { stream: "stderr" });
  const config = await loadConfigFor(options, logger);
  const plugins = await StoreRegistry.check(config, builtinStores, logger);
  await checkHooks(config, builtinHooks);
  for (const warning of writeRateWarnings(config, plugins)) {
    process.stderr.write(`partnerd: warning: ${formatConfigIssue(warning)}\n`);
  }
  const profiles = Object.keys(config.profiles);
  process.stdout.write(
    `${config.file}: ok (${profiles.length} profile${profiles.length === 1 ? "" : "s"}: ${profiles.join(", ")})\n`,
  );
}
