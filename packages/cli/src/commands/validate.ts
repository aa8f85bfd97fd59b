import { loadStorePlugin } from "@partnerd/core";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";

/** Checks the config and that every store plugin resolves, without opening stores or writing anything. */
export async function validateCommand(options: GlobalOptions): Promise<void> {
  const logger = loggerFor(options);
  const config = await loadConfigFor(options, logger);
  for (const [storeId, store] of Object.entries(config.stores)) {
    await loadStorePlugin(storeId, store.use, config.dir, builtinStores);
  }
  const profiles = Object.keys(config.profiles);
  process.stdout.write(
    `${config.file}: ok (${profiles.length} profile${profiles.length === 1 ? "" : "s"}: ${profiles.join(", ")})\n`,
  );
}
