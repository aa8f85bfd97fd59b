import { resolveOptionSecret } from "../config/option-secret.ts";
import type { HookConfig } from "../config/schema.ts";
import type { PartnerdConfig } from "../config/types.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import type { BuiltinHooks, HookPlugin } from "./contract.ts";
import type { HookEventName } from "./event-names.ts";
import { loadHookPlugin } from "./load-hook.ts";

const DEFAULT_TIMEOUT_SECONDS = 60;

/** One `hooks:` entry, loaded and set up. */
export interface ConfiguredHook {
  name: string;
  /** Where it is in the config: `hooks.0`, `profiles.pc.hooks.1`. */
  path: string;
  on: ReadonlySet<HookEventName>;
  timeoutMs: number;
  plugin: HookPlugin;
  state: unknown;
  /** Secrets `setup` read; masked in the hook's errors and logs. */
  secrets: Secret[];
  /** Why `setup` failed (for reasons other than bad options); the hook then fails every event. */
  setupError: string | undefined;
}

/** Every hook of one config: the global ones once, each profile's own. */
export class HookSet {
  readonly #global: ConfiguredHook[];
  readonly #perProfile: Map<string, ConfiguredHook[]>;

  private constructor(global: ConfiguredHook[], perProfile: Map<string, ConfiguredHook[]>) {
    this.#global = global;
    this.#perProfile = perProfile;
  }

  /**
   * Loads and sets up every hook. A `use:` that gives no hook plugin, or options a plugin rejects, is a
   * config error (thrown, located); a `setup` failing for another reason (a network, a file) is logged
   * and leaves the hook reporting that failure on every event, so that refreshes still run.
   */
  static async open(config: PartnerdConfig, builtins: BuiltinHooks, logger: Logger): Promise<HookSet> {
    const opened: ConfiguredHook[] = [];
    const lists = new Map<string | undefined, ConfiguredHook[]>();
    try {
      for (const { profile, base, hooks } of hookLists(config)) {
        const list: ConfiguredHook[] = [];
        for (const [index, hookConfig] of hooks.entries()) {
          const hook = await setUp(config, hookConfig, `${base}.${index}`, index, builtins, logger);
          opened.push(hook);
          list.push(hook);
        }
        // Most profiles have no hooks of their own: no entry (and no empty list) for them.
        if (list.length > 0 || profile === undefined) lists.set(profile, list);
      }
    } catch (error) {
      await closeAll(opened);
      throw error;
    }
    const global = lists.get(undefined) ?? [];
    lists.delete(undefined);
    return new HookSet(global, lists as Map<string, ConfiguredHook[]>);
  }

  /** The hooks of `profile` in run order: the global ones, then the profile's. */
  forProfile(profile: string): ConfiguredHook[] {
    return [...this.#global, ...(this.#perProfile.get(profile) ?? [])];
  }

  close(): Promise<void> {
    return closeAll([...this.#global, ...[...this.#perProfile.values()].flat()]);
  }
}

/** Every hook's `use:` and `on:` as `partnerd validate` can check them: plugins load, nothing is set up. */
export async function checkHooks(config: PartnerdConfig, builtins: BuiltinHooks): Promise<void> {
  for (const { base, hooks } of hookLists(config)) {
    for (const [index, hookConfig] of hooks.entries()) {
      await loadChecked(config, hookConfig, `${base}.${index}`, builtins);
    }
  }
}

/** Each `hooks:` list with where it is: the global one (no profile), then each profile's. */
function hookLists(config: PartnerdConfig) {
  return [
    { profile: undefined, base: "hooks", hooks: config.hooks },
    ...Object.values(config.profiles).map((p) => ({
      profile: p.name,
      base: `profiles.${p.name}.hooks`,
      hooks: p.hooks,
    })),
  ];
}

/** The plugin `use:` names, checked to handle every event in `on:`. */
async function loadChecked(
  config: PartnerdConfig,
  hookConfig: HookConfig,
  path: string,
  builtins: BuiltinHooks,
): Promise<HookPlugin> {
  const locate = (at: string) => config.locate(at);
  const plugin = await loadHookPlugin(path, hookConfig.use, config.dir, builtins, locate);
  const unhandled = hookConfig.on.filter((event) => typeof plugin.handlers[event] !== "function");
  if (unhandled.length > 0) {
    const handled = Object.keys(plugin.handlers).join(", ") || "none";
    throw new ConfigError([
      {
        ...config.locate(`${path}.on`),
        path: `${path}.on`,
        message: `"${hookConfig.use}" has no handler for ${unhandled.map((e) => `"${e}"`).join(", ")} (it handles: ${handled})`,
      },
    ]);
  }
  return plugin;
}

async function setUp(
  config: PartnerdConfig,
  hookConfig: HookConfig,
  path: string,
  index: number,
  builtins: BuiltinHooks,
  logger: Logger,
): Promise<ConfiguredHook> {
  const plugin = await loadChecked(config, hookConfig, path, builtins);
  const name = hookConfig.name ?? `${hookConfig.use}#${index}`;
  const secrets: Secret[] = [];
  const hook: ConfiguredHook = {
    name,
    path,
    on: new Set(hookConfig.on),
    timeoutMs: timeoutSecondsOf(hookConfig) * 1000,
    plugin,
    state: undefined,
    secrets,
    setupError: undefined,
  };
  try {
    hook.state = await plugin.setup?.(hookConfig.options, {
      hook: name,
      configDir: config.dir,
      stateDir: config.stateDir,
      logger: logger.child({ hook: name }),
      resolveSecret: async (reference, optionPath) => {
        const secret = await resolveOptionSecret(config, [path, "options"], reference, optionPath);
        secrets.push(secret);
        return secret;
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (isHookOptionsError(error)) {
      const key = error.key.trim();
      const at = key === "" ? `${path}.options` : `${path}.options.${key}`;
      throw new ConfigError([{ ...config.locate(at), path: at, message: error.message || "is invalid" }]);
    }
    hook.setupError = error instanceof Error ? error.message : String(error);
    logger.error("hook setup failed; the hook will report it on each event", {
      hook: name,
      error: hook.setupError,
    });
  }
  return hook;
}

/** A hook's own `timeoutSeconds`, else 60, or its options' `timeoutSeconds` plus 5 when that is longer. */
function timeoutSecondsOf(hook: HookConfig): number {
  if (hook.timeoutSeconds !== undefined) return hook.timeoutSeconds;
  const own = hook.options.timeoutSeconds;
  return typeof own === "number" && own + 5 > DEFAULT_TIMEOUT_SECONDS ? own + 5 : DEFAULT_TIMEOUT_SECONDS;
}

/** By class or by shape (`code: "HOOK_OPTIONS"` with a `key`), so a plugin with its own core copy works. */
function isHookOptionsError(error: unknown): error is Error & { key: string } {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === "HOOK_OPTIONS" &&
    typeof (error as { key?: unknown }).key === "string"
  );
}

async function closeAll(hooks: readonly ConfiguredHook[]): Promise<void> {
  for (const hook of [...hooks].reverse()) {
    if (hook.setupError !== undefined) continue;
    try {
      await hook.plugin.close?.(hook.state);
    } catch {
      // One hook failing to close must not keep the others open.
    }
  }
}
