import { type ConfigIssue, formatConfigIssue, PartnerdError } from "../errors.ts";
import { type ConfigLocator, loadPlugin, type PluginKind } from "../plugins/load-plugin.ts";
import { type BuiltinHooks, HOOK_API_VERSION, type HookPlugin } from "./contract.ts";

const HOOK_KIND: PluginKind = {
  noun: "hook",
  apiVersion: HOOK_API_VERSION,
  member: "handlers",
  memberType: "object",
  examplePath: "./hooks/my-hook.js",
};

/** `use:` of a hook cannot give a hook plugin; names `<path>.use` in the config file. Exit code 2. */
export class HookPluginError extends PartnerdError {
  readonly use: string;
  readonly issue: ConfigIssue;

  constructor(hookPath: string, use: string, problem: string, locate: ConfigLocator, cause?: unknown) {
    const path = `${hookPath}.use`;
    const issue = { ...locate(path), path, message: `"${use}" ${problem}` };
    super("HOOK_PLUGIN", formatConfigIssue(issue), { exitCode: 2, cause });
    this.use = use;
    this.issue = issue;
  }
}

/**
 * Resolves a hook's `use:` exactly as a store's (built-in alias, path from the config file's folder, or
 * installed package) and checks that it gives a hook plugin. `hookPath` is `hooks.0` or
 * `profiles.pc.hooks.1`.
 */
export function loadHookPlugin(
  hookPath: string,
  use: string,
  configDir: string,
  builtins: BuiltinHooks,
  locate: ConfigLocator,
): Promise<HookPlugin> {
  return loadPlugin(HOOK_KIND, use, configDir, builtins, (problem, cause) => {
    throw new HookPluginError(hookPath, use, problem, locate, cause);
  });
}
