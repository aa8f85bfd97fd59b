import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import type { HookEventName } from "./event-names.ts";
import type { HookPayloadMap } from "./payloads.ts";

/** Bumped only on breaking changes to `HookPlugin`; plugins declare the version they implement. */
export const HOOK_API_VERSION = 1;

/** What `setup` gets: where the config is, and a way to read the secrets named in the options. */
export interface HookSetupContext {
  /** The hook's name (`name:`, or `<use>#<index>`), for messages. */
  hook: string;
  /** Folder of the config file; relative paths in options resolve from here. */
  configDir: string;
  stateDir: string;
  logger: Logger;
  /**
   * Reads a secret named in the hook's options (`{ env: NAME }` or `{ file: PATH }`), e.g. a webhook's
   * HMAC key. `optionPath` is the key inside `options` (`secret`), to locate problems in the config.
   * Values read this way are masked in every error and log line of the hook.
   */
  resolveSecret(reference: unknown, optionPath: string): Promise<Secret>;
}

/** What a handler gets besides the payload. */
export interface HookContext<State = unknown> {
  hook: string;
  profile: string;
  event: HookEventName;
  /** What `setup` returned for this hook. */
  state: State;
  /** Logger bound to the hook and profile; secrets the hook knows are masked. */
  logger: Logger;
  /** Aborted when the hook's timeout passes or partnerd stops: stop work, kill children. */
  signal: AbortSignal;
  /**
   * The fresh access token, in `refreshed` events that redeemed one (not after a journal replay).
   * Only hooks that need it should read it; it never appears in the payload unless a hook puts it there.
   */
  accessToken: Secret | undefined;
}

// Method syntax keeps handlers bivariant, so a `HookPlugin<MyState>` is also a `HookPlugin`.
export type HookHandler<E extends HookEventName, State> = {
  handle(payload: HookPayloadMap[E], context: HookContext<State>): void | Promise<void>;
}["handle"];

export type HookHandlers<State> = { [E in HookEventName]?: HookHandler<E, State> };

/** The default export of a hook package named by `use:` in the config. */
export interface HookPlugin<State = unknown> {
  apiVersion: typeof HOOK_API_VERSION;
  /** Short name used in messages, e.g. "webhook". */
  name: string;
  /**
   * Checks `options` (throwing `HookOptionsError` with the offending key) and prepares what the handlers
   * share: a resolved secret, a client. Runs once per configured hook; the result is `context.state`.
   */
  setup?(options: Record<string, unknown>, context: HookSetupContext): State | Promise<State>;
  /** One function per event the plugin can handle; `on:` picks which of them run. */
  handlers: HookHandlers<State>;
  /** Releases what `setup` opened. */
  close?(state: State): void | Promise<void>;
}

/** Types a hook plugin; returns it unchanged. */
export function defineHook<State = undefined>(plugin: HookPlugin<State>): HookPlugin<State> {
  return plugin;
}

/** Hooks `use:` can name without a package: the plugin, or a function that imports it on first use. */
export type BuiltinHooks = Readonly<Record<string, HookPlugin | (() => Promise<HookPlugin>)>>;
