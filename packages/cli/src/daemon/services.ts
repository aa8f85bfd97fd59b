import type { Server } from "node:http";
import type {
  Logger,
  PartnerdConfig,
  PartnerdRuntime,
  RuntimeObserver,
  Scheduler,
  SchedulerHooks,
} from "@partnerd/core";
import type { DaemonMetrics } from "../server/metrics.ts";
import { createSystemdNotifier, type SystemdNotifier } from "../systemd/notify.ts";
import { logCrashesThrough } from "./crash.ts";
import { ProfileBoard } from "./profile-board.ts";

/** Without a systemd watchdog the loop still wakes this often, for `/healthz`. */
const DEFAULT_HEARTBEAT_MS = 10_000;

/**
 * What `partnerd run` adds around its runtime: systemd notifications (READY, STATUS, WATCHDOG,
 * RELOADING, STOPPING), the profile board, and the optional metrics/health listener.
 */
export class DaemonServices {
  readonly #logger: Logger;
  readonly #notifier: SystemdNotifier;
  readonly heartbeatMs: number;
  #board: ProfileBoard | undefined;
  #metrics: DaemonMetrics | undefined;
  #listener: Server | undefined;
  #scheduler: Scheduler | undefined;
  #listenAddress: string | undefined;
  #lastHeartbeatAt: number | undefined;
  /** Pings the watchdog while the scheduler loop is deliberately not running (start, reload, stop). */
  #bridge: NodeJS.Timeout | undefined;

  private constructor(logger: Logger, notifier: SystemdNotifier) {
    this.#logger = logger;
    this.#notifier = notifier;
    this.heartbeatMs = notifier.watchdogIntervalMs ?? DEFAULT_HEARTBEAT_MS;
    this.#bridgeWatchdog();
  }

  static async create(logger: Logger): Promise<DaemonServices> {
    const services = new DaemonServices(logger, await createSystemdNotifier(logger));
    logCrashesThrough(logger, () => services.#notifier.stopping("crashed"));
    services.#notifier.status("loading the config and stores");
    return services;
  }

  /** Times redemptions and store writes once metrics are on; stable across reloads. */
  readonly observer: RuntimeObserver = {
    redemption: (...args) => this.#metrics?.observer.redemption?.(...args),
    storeWrite: (...args) => this.#metrics?.observer.storeWrite?.(...args),
    hookRun: (...args) => this.#metrics?.observer.hookRun?.(...args),
  };

  get schedulerHooks(): SchedulerHooks {
    return {
      heartbeatMs: this.heartbeatMs,
      onHeartbeat: () => {
        this.#lastHeartbeatAt = Date.now();
        if (this.#notifier.watchdogIntervalMs !== undefined) this.#notifier.watchdog();
      },
      onOutcome: (name, outcome) => this.#metrics?.recordOutcome(name, outcome),
      onRunFinished: (name) => {
        void this.#board?.update(name).then(() => this.#publishStatus());
      },
    };
  }

  /** The config is loaded, the stores open, the journal replayed and the scheduler running. */
  async started(runtime: PartnerdRuntime, scheduler: Scheduler): Promise<void> {
    // The board (every profile's status) feeds systemd's STATUS line, /metrics and /readyz: with
    // neither systemd nor the listener, nothing reads it, and 10,000 status files are not read for it.
    if (this.#notifier.enabled || runtime.config.server.listen) {
      this.#board = await ProfileBoard.load(runtime.config);
    }
    await this.#startListener(runtime.config);
    this.#running(scheduler);
  }

  reloading(): void {
    this.#scheduler = undefined;
    this.#bridgeWatchdog();
    this.#notifier.reloading();
    this.#notifier.status("reloading the config");
  }

  /** After a reload, with the new runtime or (when the new config was invalid) the old one. */
  async reloaded(runtime: PartnerdRuntime, scheduler: Scheduler): Promise<void> {
    if (this.#board && this.#board.config !== runtime.config) await this.#board.reset(runtime.config);
    const listen = runtime.config.server.listen;
    if (listen !== this.#listenAddress) {
      this.#logger.warn("server.listen changed; restart partnerd to apply it", { listen: listen ?? null });
    }
    this.#running(scheduler);
  }

  stopping(): void {
    this.#scheduler = undefined;
    this.#bridgeWatchdog();
    this.#notifier.stopping("stopping: letting in-flight refreshes finish");
  }

  async close(): Promise<void> {
    clearInterval(this.#bridge);
    const listener = this.#listener;
    if (listener) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      // A scraper's keep-alive connection must not hold the shutdown.
      listener.closeAllConnections();
      await closed;
    }
    this.#notifier.close();
  }

  async #startListener(config: PartnerdConfig): Promise<void> {
    const listen = config.server.listen;
    if (!listen) return;
    // Loaded only when asked for: prom-client costs start-up time every other command need not pay.
    const [{ DaemonMetrics }, { startHttpListener }, { liveness, readiness }] = await Promise.all([
      import("../server/metrics.ts"),
      import("../server/http-listener.ts"),
      import("../server/health.ts"),
    ]);
    const board = () => this.#board!;
    this.#metrics = new DaemonMetrics(board);
    this.#listener = await startHttpListener(
      listen,
      {
        metrics: this.#metrics,
        healthz: () => liveness(this.#lastHeartbeatAt, this.heartbeatMs),
        readyz: () => readiness(board(), this.#scheduler !== undefined),
      },
      this.#logger,
    );
    this.#listenAddress = listen;
  }

  #running(scheduler: Scheduler): void {
    this.#scheduler = scheduler;
    clearInterval(this.#bridge);
    this.#bridge = undefined;
    this.#notifier.ready(this.#statusLine());
  }

  #publishStatus(): void {
    if (this.#scheduler) this.#notifier.status(this.#statusLine());
  }

  #statusLine(): string {
    return this.#board?.summary(this.#scheduler?.nextRunOfAll() ?? null) ?? "running";
  }

  #bridgeWatchdog(): void {
    const interval = this.#notifier.watchdogIntervalMs;
    if (interval === undefined || this.#bridge) return;
    this.#bridge = setInterval(() => {
      this.#lastHeartbeatAt = Date.now();
      this.#notifier.watchdog();
    }, interval);
    this.#bridge.unref();
  }
}
