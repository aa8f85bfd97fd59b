import { readFile } from "node:fs/promises";
import type { PartnerdConfig } from "./config/types.ts";
import { EngineEvents } from "./engine/events.ts";
import { RefreshEngine, type RefreshOutcome } from "./engine/refresh-engine.ts";
import { ConfigError } from "./errors.ts";
import { createIdentityClient, type IdentityClient } from "./identity/identity-client.ts";
import { createHttpTransport, type HttpTransport } from "./identity/network-client.ts";
import type { Logger } from "./log/logger.ts";
import { observedIdentity, observedStore, type RuntimeObserver } from "./observe/observer.ts";
import { type SchedulerHooks, scheduleFor } from "./schedule/schedule-for.ts";
import type { Scheduler } from "./schedule/scheduler.ts";
import type { BuiltinStores } from "./stores/contract.ts";
import { StoreRegistry } from "./stores/registry.ts";

export interface RuntimeOptions {
  logger: Logger;
  /** Stores `use:` can name without a package, e.g. `{ file: fileStore }`. */
  builtinStores: BuiltinStores;
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
  readonly #stores: StoreRegistry;
  readonly #transport: HttpTransport;
  readonly #stopping: AbortController;
  readonly #logger: Logger;
  #scheduler: Scheduler | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    config: PartnerdConfig,
    stores: StoreRegistry,
    transport: HttpTransport,
    stopping: AbortController,
    logger: Logger,
    observer: RuntimeObserver | undefined,
  ) {
    this.config = config;
    this.#stores = stores;
    this.#transport = transport;
    this.#stopping = stopping;
    this.#logger = logger;
    this.events = new EngineEvents(logger);
    const identity = createIdentityClient(transport, logger);
    this.identity = observer ? observedIdentity(identity, observer) : identity;
    this.engine = new RefreshEngine({
      config,
      stores,
      identity: this.identity,
      events: this.events,
      logger,
      stopping: stopping.signal,
    });
  }

  static async open(config: PartnerdConfig, options: RuntimeOptions): Promise<PartnerdRuntime> {
    const extraCaPem = config.network.caFile ? await readCaFile(config) : undefined;
    const transport = createHttpTransport({
      extraCaPem,
      proxy: config.network.proxy,
      timeoutMs: config.network.timeoutMs,
    });
    let stores: StoreRegistry;
    try {
      const { observer } = options;
      stores = await StoreRegistry.open(config, options.builtinStores, options.logger, (id, store) =>
        observer ? observedStore(id, store, observer) : store,
      );
    } catch (error) {
      await transport.close();
      throw error;
    }
    return new PartnerdRuntime(
      config,
      stores,
      transport,
      new AbortController(),
      options.logger,
      options.observer,
    );
  }

  refresh(profile: string): Promise<RefreshOutcome> {
    return this.engine.refresh(profile);
  }

  /** Replays leftover journal entries, then starts every profile's schedule. */
  async start(hooks: SchedulerHooks = {}): Promise<Scheduler> {
    await this.engine.replayJournals();
    if (this.#closing) throw new Error("the runtime is closing");
    this.#scheduler = await scheduleFor(this.config, this.engine, this.#logger, hooks);
    this.#scheduler.start();
    return this.#scheduler;
  }

  /** Stops scheduling, lets in-flight refreshes finish and persist, then releases stores and sockets. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#scheduler?.stop();
      this.#stopping.abort();
      await this.engine.idle();
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
