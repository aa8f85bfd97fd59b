import type { Logger } from "../log/logger.ts";
import type { Secret } from "../secret.ts";
import { errorMessage, firstLine } from "../stores/error-text.ts";
import { KeyedQueue } from "../util/keyed-queue.ts";
import type { HookContext } from "./contract.ts";
import type { HookEventName } from "./event-names.ts";
import type { ConfiguredHook, HookSet } from "./hook-set.ts";
import { maskingLogger, maskSecrets } from "./masking-logger.ts";
import type { HookPayload } from "./payloads.ts";

/** Events waiting for a profile's hooks beyond which new ones are dropped (hooks slower than the schedule). */
const MAX_QUEUED_EVENTS = 20;

/** How one hook did on one event. */
export interface HookReport {
  hook: string;
  profile: string;
  event: HookEventName;
  ok: boolean;
  /** Why it failed, secrets masked. */
  error?: string;
}

/**
 * Runs hooks: per profile one event at a time and, within an event, one hook at a time in config
 * order; profiles in parallel. Each hook is isolated: a throw, a rejection or a hang (ended at its
 * timeout) is logged with its name and event and never reaches the refresh that raised the event.
 */
export class HookRunner {
  readonly #hooks: HookSet;
  readonly #logger: Logger;
  readonly #queue = new KeyedQueue();
  readonly #collectors = new Map<string, Set<HookReport[]>>();
  readonly #queued = new Map<string, number>();

  readonly #onReport: ((report: HookReport) => Promise<void>) | undefined;

  /** `onReport` is awaited after each hook run (the runtime remembers failures for `partnerd status`). */
  constructor(hooks: HookSet, logger: Logger, onReport?: (report: HookReport) => Promise<void>) {
    this.#hooks = hooks;
    this.#logger = logger;
    this.#onReport = onReport;
  }

  /** Queues `payload` for the profile's hooks that subscribe to its event; returns at once. */
  dispatch(payload: HookPayload, accessToken?: Secret): void {
    const hooks = this.#hooks.forProfile(payload.profile).filter((hook) => hook.on.has(payload.event));
    if (hooks.length === 0) return;
    const { profile, event } = payload;
    const queued = this.#queued.get(profile) ?? 0;
    if (queued >= MAX_QUEUED_EVENTS) {
      this.#logger.error("hooks are falling behind; event dropped", { profile, event, queued });
      return;
    }
    this.#queued.set(profile, queued + 1);
    void this.#queue.run(profile, async () => {
      try {
        for (const hook of hooks) await this.#record(await this.#runOne(hook, payload, accessToken));
      } finally {
        const left = (this.#queued.get(profile) ?? 1) - 1;
        if (left === 0) this.#queued.delete(profile);
        else this.#queued.set(profile, left);
      }
    });
  }

  /** The hooks `dispatch` would run for this profile and event, by name. */
  hooksFor(profile: string, event: HookEventName): string[] {
    return this.#hooks
      .forProfile(profile)
      .filter((hook) => hook.on.has(event))
      .map((hook) => hook.name);
  }

  /**
   * Runs `work` (a refresh) and, once every hook run it caused for `profile` has finished, returns its
   * result with their reports: `partnerd refresh` exits 1 when one failed.
   */
  async collect<T>(profile: string, work: () => Promise<T>): Promise<{ result: T; reports: HookReport[] }> {
    const reports: HookReport[] = [];
    const collectors = this.#collectors.get(profile) ?? new Set();
    this.#collectors.set(profile, collectors.add(reports));
    try {
      const result = await work();
      // Queued behind every dispatch `work` made, so it resolves when they are done.
      await this.#queue.run(profile, async () => undefined);
      return { result, reports };
    } finally {
      collectors.delete(reports);
    }
  }

  /** Resolves once no hook is queued or running. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #record(report: HookReport): Promise<void> {
    for (const reports of this.#collectors.get(report.profile) ?? []) reports.push(report);
    await this.#onReport?.(report).catch((error: unknown) =>
      this.#logger.warn("could not record a hook's outcome", { error: errorMessage(error) }),
    );
  }

  async #runOne(hook: ConfiguredHook, payload: HookPayload, accessToken: Secret | undefined) {
    const { profile, event } = payload;
    const secrets = accessToken ? [...hook.secrets, accessToken] : hook.secrets;
    const logger = maskingLogger(this.#logger.child({ profile, hook: hook.name, event }), secrets);
    const fail = (problem: string): HookReport => {
      const error = firstLine(maskSecrets(problem, secrets));
      logger.error("hook failed", { error });
      return { hook: hook.name, profile, event, ok: false, error };
    };
    if (hook.setupError !== undefined) return fail(`its setup failed: ${hook.setupError}`);
    const handler = hook.plugin.handlers[event] as
      | ((payload: HookPayload, context: HookContext) => void | Promise<void>)
      | undefined;
    if (handler === undefined) return fail(`the plugin has no handler for "${event}"`);
    const controller = new AbortController();
    const seconds = hook.timeoutMs / 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`timed out after ${seconds} s`));
        resolve("timeout");
      }, hook.timeoutMs);
    });
    const context: HookContext = {
      hook: hook.name,
      profile,
      event,
      state: hook.state,
      logger,
      signal: controller.signal,
      accessToken,
    };
    try {
      // A copy per hook: one hook changing its payload must not change what the next one sees.
      const run = Promise.resolve().then(() => handler(structuredClone(payload), context));
      const outcome = await Promise.race([run.then(() => "done" as const), timedOut]);
      if (outcome === "timeout") {
        run.catch(() => undefined);
        return fail(`timed out after ${seconds} s`);
      }
      logger.info("hook ran");
      return { hook: hook.name, profile, event, ok: true };
    } catch (error) {
      return fail(errorMessage(error));
    } finally {
      clearTimeout(timer);
    }
  }
}
