import { readFile } from "node:fs/promises";
import type { PartnerdConfig } from "./config/types.ts";
import { EngineEvents } from "./engine/events.ts";
import { RefreshEngine, type RefreshOutcome, type TokenRequest } from "./engine/refresh-engine.ts";
import { flushStatus } from "./engine/status.ts";
import { ConfigError } from "./errors.ts";
import type { BuiltinHooks } from "./hooks/contract.ts";
import { HookSet } from "./hooks/hook-set.ts";
import { LifecycleEvents } from "./hooks/lifecycle-events.ts";
import { type HookReport, HookRunner } from "./hooks/runner.ts";
import { createIdentityClient, type IdentityClient } from "./identity/identity-client.ts";
import { createHttpTransport, type HttpTransport } from "./identity/network-client.ts";
import type { Locks } from "./lock/contract.ts";
import { FileLocks } from "./lock/file-lock.ts";
import type { Logger } from "./log/logger.ts";
import { observedIdentity, observedStore, type RuntimeObserver } from "./observe/observer.ts";
import { type SchedulerHooks, scheduleFor } from "./schedule/schedule-for.ts";
import type { Scheduler } from "./schedule/scheduler.ts";
import { profileLocksDir } from "./state-paths.ts";
import { readStatuses } from "./status-snapshot.ts";
import type { BuiltinStores } from "./stores/contract.ts";
import { StoreRegistry } from "./stores/registry.ts";

export interface RuntimeOptions {
  logger: Logger;
  /** Stores `use:` can name without a package, e.g. `{ file: fileStore }`. */
  builtinStores: BuiltinStores;
  /** Hooks `use:` can name without a package, e.g. `{ exec: execHook }`. */
  builtinHooks?: BuiltinHooks;
  /** What this process is, for the per-profile locks' messages: `partnerd token pc`. */
  command: string;
  /** How long a refresh waits for another process holding the profile; default 60 s. */
  lockWaitMs?: number;
  /** Another implementation of the one-redeemer contract; default: lock files in the state folder. */
  locks?: Locks;
  /** Times redemptions and store writes (metrics). */
  observer?: RuntimeObserver;
}

/** Everything one loaded config needs at run time; `close()` releases it all. */
export class PartnerdRuntime {
  readonly config: PartnerdConfig;
  readonly events: EngineEvents;
  readonly engine: RefreshEngine;
  /** Every identity flow, over this runtime's network settings (for `login` and `token`). */
  readonly identity: IdentityClient;
  /** Runs the hooks of every event, whichever command raised it. */
  readonly hooks: HookRunner;
  readonly #hookSet: HookSet;
  readonly #lifecycle: LifecycleEvents;
  readonly #stores: StoreRegistry;
  readonly #transport: HttpTransport;
  readonly #stopping: AbortController;
  readonly #logger: Logger;
  /** The locks this runtime made, and so closes (none when the caller gave its own `locks`). */
  readonly #ownLocks: Locks | undefined;
  #scheduler: Scheduler | undefined;
  #closing: Promise<void> | undefined;
  /** After a reload: a profile's first run waits until the previous runtime is done with it. */
  #handOver: (profile: string) => Promise<void> = async () => {};

  private constructor(
    config: PartnerdConfig,
    stores: StoreRegistry,
    hookSet: HookSet,
    transport: HttpTransport,
    stopping: AbortController,
    logger: Logger,
    options: RuntimeOptions,
  ) {
    this.config = config;
    this.#hookSet = hookSet;
    this.#stores = stores;
    this.#transport = transport;
    this.#stopping = stopping;
    this.#logger = logger;
    this.events = new EngineEvents(logger);
    const locks = options.locks ?? new FileLocks(profileLocksDir(config.stateDir), options.command);
    this.#ownLocks = options.locks ? undefined : locks;
    const identity = createIdentityClient(transport, logger);
    this.identity = options.observer ? observedIdentity(identity, options.observer) : identity;
    this.engine = new RefreshEngine({
      config,
      stores,
      identity: this.identity,
      events: this.events,
      logger,
      stopping: stopping.signal,
      locks,
      ...(options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs }),
    });
    this.hooks = new HookRunner(hookSet, logger, (report) => {
      options.observer?.hookRun?.(report);
      return this.#lifecycle.recordHook(report);
    });
    this.#lifecycle = new LifecycleEvents({ config, events: this.events, runner: this.hooks, logger });
  }

  static async open(config: PartnerdConfig, options: RuntimeOptions): Promise<PartnerdRuntime> {
    const extraCaPem = config.network.caFile ? await readCaFile(config) : undefined;
    const transport = createHttpTransport({
      extraCaPem,
      proxy: config.network.proxy,
      timeoutMs: config.network.timeoutMs,
    });
    let stores: StoreRegistry | undefined;
    let hookSet: HookSet;
    try {
      const { observer } = options;
      stores = await StoreRegistry.open(config, options.builtinStores, options.logger, (id, store) =>
        observer ? observedStore(id, store, observer) : store,
      );
      hookSet = await HookSet.open(config, options.builtinHooks ?? {}, options.logger);
    } catch (error) {
      await stores?.close();
      await transport.close();
      throw error;
    }
    return new PartnerdRuntime(
      config,
      stores,
      hookSet,
      transport,
      new AbortController(),
      options.logger,
      options,
    );
  }

  /**
   * Refreshes one profile now (for `request`'s tenant and scopes when given) and waits for the hooks it
   * raised; `hooks` says how each did.
   */
  async refresh(profile: string, request?: TokenRequest): Promise<RefreshOutcome & { hooks: HookReport[] }> {
    await this.#handOver(profile);
    const { result, reports } = await this.hooks.collect(profile, () =>
      this.engine.refresh(profile, request),
    );
    return { ...result, hooks: reports };
  }

  /** Like {@link refresh}, but resolves once the token is durable; its hooks run on their own. */
  async refreshDurably(profile: string, request?: TokenRequest): Promise<RefreshOutcome> {
    await this.#handOver(profile);
    return this.engine.refresh(profile, request);
  }

  /** Replays leftover journal entries, then starts every profile's schedule. */
  async start(hooks: SchedulerHooks = {}): Promise<Scheduler> {
    await this.engine.replayJournals();
    return this.#schedule(hooks);
  }

  /**
   * Takes over from `previous` (a reload) profile by profile: `previous` stops scheduling at once;
   * a profile it is not refreshing switches to this runtime now, one it is refreshing switches when
   * that refresh ends. `previous` closes by itself once idle; the returned `retired` says when.
   */
  async takeOver(
    previous: PartnerdRuntime,
    hooks: SchedulerHooks = {},
  ): Promise<{ scheduler: Scheduler; retired: Promise<void> }> {
    previous.#scheduler?.halt();
    this.#handOver = (profile) => previous.engine.profileIdle(profile);
    const scheduler = await this.#schedule(hooks);
    const retired = previous.engine.idle().then(() => previous.close());
    return { scheduler, retired };
  }

  async #schedule(hooks: SchedulerHooks): Promise<Scheduler> {
    if (this.#closing) throw new Error("the runtime is closing");
    // Read once for both: the scheduler's catch-up and the first expiry check need every profile's.
    const statuses = await readStatuses(this.config.stateDir, Object.keys(this.config.profiles));
    this.#scheduler = await scheduleFor(
      this.config,
      {
        refresh: (name: string) => this.refreshDurably(name),
      },
      this.#logger,
      hooks,
      statuses,
    );
    this.#scheduler.start();
    this.#lifecycle.startExpiryChecks(statuses);
    return this.#scheduler;
  }

  /** Stops scheduling, lets in-flight refreshes finish and persist, then releases stores and sockets. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#scheduler?.stop();
      this.#stopping.abort();
      await this.engine.idle();
      await this.#lifecycle.stop();
      await this.hooks.idle();
      await flushStatus();
      await this.#ownLocks?.close?.();
      await this.#hookSet.close();
      await this.#stores.close();
      await this.#transport.close();
    })();
    return this.#closing;
  }
}

async function readCaFile(config: PartnerdConfig): Promise<string> {
  const caFile = config.network.caFile!;
  try {
    return await readFile(caFile, "utf8");
  } catch (error) {
    throw new ConfigError([
      {
        ...config.locate("network.caFile"),
        message: `cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code}`,
      },
    ]);
  }
}
