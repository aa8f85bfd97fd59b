import { type Logger, type PartnerdConfig, PartnerdRuntime, type RuntimeObserver } from "@partnerd/core";
import { builtinHooks } from "./builtin-hooks.ts";
import { builtinStores } from "./builtin-stores.ts";

/**
 * The runtime of one CLI command, with partnerd's built-in stores and hooks. `command` is what the
 * profile locks record for waiters, e.g. `partnerd refresh pc`. Its own module: commands that never
 * redeem (`validate`, `status`) must not load the runtime.
 */
export function openCommandRuntime(
  config: PartnerdConfig,
  logger: Logger,
  command: string,
  observer?: RuntimeObserver,
): Promise<PartnerdRuntime> {
  return PartnerdRuntime.open(config, {
    logger,
    builtinStores,
    builtinHooks,
    command,
    ...(observer ? { observer } : {}),
  });
}
