import { readFile } from "node:fs/promises";
import type { PartnerdConfig } from "./config/types.ts";
import { EngineEvents } from "./engine/events.ts";
import { RefreshEngine, type RefreshOutcome } from "./engine/refresh-engine.ts";
import { ConfigError } from "./errors.ts";
import { createIdentityClient, type IdentityClient } from "./identity/identity-client.ts";
import { createHttpTransport, type HttpTransport } from "./identity/network-client.ts";
import type { Logger } from "./log/logger.ts";
import { Scheduler } from "./schedule/scheduler.ts";
import type { BuiltinStores } from "./stores/contract.ts";
import { StoreRegistry } from "./stores/registry.ts";

export interface RuntimeOptions {
  logger: Logger;
  /** Stores `use:` can name without a package, e.g. `{ file: fileStore }`. */
  builtinStores: BuiltinStores;
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
  /** After a reload: a profile's first run waits until the previous runtime is done with it. */
  #handOver: (profile: string) => Promise<void> = async () => {};

  private constructor(
    config: PartnerdConfig,
    stores: StoreRegistry,
    transport: HttpTransport,
    stopping: AbortController,
    logger: Logger,
  ) {
    this.config = config;
    this.#stores = stores;
    this.#transport = transport;
    this.#stopping = stopping;
    this.#logger = logger;
    this.events = new EngineEvents(logger);
    this.identity = createIdentityClient(transport, logger);
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
      stores = await StoreRegistry.open(config, options.builtinStores, options.logger);
    } catch (error) {
      await transport.close();
      throw error;
    }
    return new PartnerdRuntime(config, stores, transport, new AbortController(), options.logger);
  }

  async refresh(profile: string): Promise<RefreshOutcome> {
    await this.#handOver(profile);
    return this.engine.refresh(profile);
  }

  /** Replays leftover journal entries, then starts every profile's schedule. */
  async start(): Promise<Scheduler> {
    await this.engine.replayJournals();
    return this.#schedule();
  }

  /**
   * Takes over from `previous` (a reload) profile by profile: `previous` stops scheduling at once;
   * a profile it is not refreshing switches to this runtime now, one it is refreshing switches when
   * that refresh ends. `previous` closes by itself once idle; the returned `retired` says when.
   */
  async takeOver(previous: PartnerdRuntime): Promise<{ scheduler: Scheduler; retired: Promise<void> }> {
    await previous.#scheduler?.stop();
    this.#handOver = (profile) => previous.engine.profileIdle(profile);
    const scheduler = this.#schedule();
    const retired = previous.engine.idle().then(() => previous.close());
    return { scheduler, retired };
  }

  #schedule(): Scheduler {
    if (this.#closing) throw new Error("the runtime is closing");
    const entries = Object.values(this.config.profiles).flatMap((p) =>
      p.schedule ? [{ name: p.name, schedule: p.schedule, timezone: p.timezone }] : [],
    );
    this.#scheduler = new Scheduler(entries, (name) => this.refresh(name), this.#logger);
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
