import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { RefreshOutcome, RuntimeObserver } from "@partnerd/core";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ProfileBoard } from "../daemon/profile-board.ts";

/** Seconds; redemptions are network round trips, store writes include a read-back. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The daemon's Prometheus metrics. Counters and histograms are fed as refreshes happen; per-profile
 * gauges are computed from the profile board at scrape time, so they are never stale.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #refreshes: Counter<"profile" | "result">;
  readonly #redemptions: Histogram<"result">;
  readonly #storeWrites: Histogram<"store" | "result">;
  readonly #hookFailures: Counter<"profile" | "hook" | "event">;
  /** Computed from the board at each scrape, and emptied after it. */
  readonly #perProfile: Gauge<"profile">[] = [];

  constructor(board: () => ProfileBoard) {
    const registers = [this.registry];
    this.#refreshes = new Counter({
      name: "partnerd_refreshes_total",
      help: "Scheduled refresh runs by profile and result (refreshed, checked, skipped, failed).",
      labelNames: ["profile", "result"],
      registers,
    });
    this.#redemptions = new Histogram({
      name: "partnerd_redemption_duration_seconds",
      help: "Time to redeem a refresh token (or get an app token) at the identity provider.",
      labelNames: ["result"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#storeWrites = new Histogram({
      name: "partnerd_store_write_duration_seconds",
      help: "Time to write a refresh token to a store.",
      labelNames: ["store", "result"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#hookFailures = new Counter({
      name: "partnerd_hook_failures_total",
      help: "Hook runs that failed (threw, exited non-zero, timed out), by profile, hook and event.",
      labelNames: ["profile", "hook", "event"],
      registers,
    });
    const perProfile = (
      name: string,
      help: string,
      value: (state: ProfileBoard["states"][number], now: number) => number | undefined,
    ) => {
      const gauge = new Gauge({
        name,
        help,
        labelNames: ["profile"],
        registers,
        collect() {
          this.reset();
          const now = Date.now();
          for (const state of board().states) {
            const v = value(state, now);
            if (v !== undefined) this.set({ profile: state.name }, v);
          }
        },
      });
      this.#perProfile.push(gauge);
    };
    perProfile(
      "partnerd_seconds_since_last_success",
      "Seconds since the profile's last successful refresh.",
      (s, now) => (s.lastSuccessAt === undefined ? undefined : (now - s.lastSuccessAt) / 1000),
    );
    perProfile(
      "partnerd_refresh_token_idle_seconds",
      "Seconds since the stored refresh token was issued (it dies after the inactivity window unused).",
      (s, now) => (s.refreshTokenIssuedAt === undefined ? undefined : (now - s.refreshTokenIssuedAt) / 1000),
    );
    perProfile(
      "partnerd_refresh_token_expires_in_seconds",
      "Seconds until the stored refresh token expires if it is never redeemed again.",
      (s, now) =>
        s.refreshTokenIssuedAt === undefined
          ? undefined
          : (s.refreshTokenIssuedAt + s.inactivityMs - now) / 1000,
    );
    perProfile(
      "partnerd_profile_needs_consent",
      "1 when the profile's refresh token was rejected and a person must run `partnerd login`.",
      (s) => (s.needsConsent ? 1 : 0),
    );
    new Gauge({
      name: "partnerd_profiles_needing_consent",
      help: "Profiles waiting for a person to consent again.",
      registers,
      collect() {
        this.set(board().states.filter((s) => s.needsConsent).length);
      },
    });
    new Gauge({
      name: "partnerd_journal_entries_pending",
      help: "Redeemed refresh tokens waiting in the local journal for a store write.",
      registers,
      async collect() {
        this.set(await countJournalEntries(board().config.stateDir));
      },
    });
  }

  /** Feeds the redemption and store-write histograms and the hook failure counter. */
  get observer(): RuntimeObserver {
    const result = (ok: boolean) => (ok ? "ok" : "error");
    return {
      redemption: (_profile, seconds, ok) => this.#redemptions.observe({ result: result(ok) }, seconds),
      storeWrite: (store, seconds, ok) => this.#storeWrites.observe({ store, result: result(ok) }, seconds),
      hookRun: ({ profile, hook, event, ok }) => {
        if (!ok) this.#hookFailures.inc({ profile, hook, event });
      },
    };
  }

  recordOutcome(profile: string, outcome: RefreshOutcome): void {
    this.#refreshes.inc({ profile, result: outcome.status });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async text(): Promise<string> {
    try {
      return await this.registry.metrics();
    } finally {
      // Kept between scrapes, the per-profile label sets would hold tens of MB at 10,000 profiles for
      // nothing: the next scrape recomputes them all.
      for (const gauge of this.#perProfile) gauge.reset();
    }
  }
}

async function countJournalEntries(stateDir: string): Promise<number> {
  try {
    return (await readdir(join(stateDir, "journal"))).filter((f) => f.endsWith(".json")).length;
  } catch {
    return 0;
  }
}
