import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EngineEvents, type FailedEvent } from "../../src/engine/events.ts";
import type { HookPlugin } from "../../src/hooks/contract.ts";
import { HookSet } from "../../src/hooks/hook-set.ts";
import { LifecycleEvents } from "../../src/hooks/lifecycle-events.ts";
import type { HookPayload } from "../../src/hooks/payloads.ts";
import { HookRunner } from "../../src/hooks/runner.ts";
import { testdir } from "../config/helpers.ts";
import { captureLogger } from "../identity/consent/helpers.ts";
import { configWithHooks } from "./helpers.ts";

const DAY_MS = 86_400_000;

describe("LifecycleEvents", () => {
  it("derives needs-consent once, expiring once a day, and recovered after failures", async () => {
    const dir = await testdir();
    const config = await configWithHooks(dir, {
      profileLines: ["expiringAfterDays: 60", "inactivityDays: 90"],
      profile: ["- { use: rec, on: [failed, needs-consent, recovered, expiring, refreshed] }"],
    });
    const seen: HookPayload[] = [];
    const rec: HookPlugin = {
      apiVersion: 1,
      name: "rec",
      handlers: Object.fromEntries(
        ["failed", "needs-consent", "recovered", "expiring", "refreshed"].map((event) => [
          event,
          (payload: HookPayload) => void seen.push(payload),
        ]),
      ),
    };
    let now = new Date("2026-03-10T12:00:00Z");
    const issuedAt = new Date(now.getTime() - 61 * DAY_MS);
    await mkdir(join(config.stateDir, "status"), { recursive: true });
    await writeFile(
      join(config.stateDir, "status", "pc.json"),
      JSON.stringify({ refreshTokenIssuedAt: issuedAt.toISOString() }),
    );
    const logger = captureLogger();
    const events = new EngineEvents(logger);
    const runner = new HookRunner(await HookSet.open(config, { rec }, logger), logger);
    const lifecycle = new LifecycleEvents({ config, events, runner, logger, now: () => now });
    const rejected: FailedEvent = {
      profile: "pc",
      at: now,
      kind: "terminal",
      code: "NEEDS_CONSENT",
      message: "AADSTS700082: expired for inactivity",
      aadsts: 700082,
      needsConsent: true,
      hint: 'run "partnerd login pc"',
    };

    await runner.collect("pc", async () => {
      await events.emit("failed", rejected);
      await events.emit("failed", rejected);
    });
    expect(seen.map((p) => p.event)).toEqual(["failed", "needs-consent", "expiring", "failed"]);
    expect(seen[0]).toMatchObject({
      class: "needs-consent",
      aadsts: 700082,
      hint: 'run "partnerd login pc"',
    });
    expect(seen[1]).toMatchObject({ command: "partnerd login pc", aadsts: 700082 });
    expect(seen[2]).toEqual({
      event: "expiring",
      profile: "pc",
      at: now.toISOString(),
      reason: "inactive",
      lastRedeemedAt: issuedAt.toISOString(),
      refreshTokenExpiresAt: new Date(issuedAt.getTime() + 90 * DAY_MS).toISOString(),
      daysUntilRefreshTokenExpires: 29,
      hint: `run "partnerd refresh pc" before ${new Date(issuedAt.getTime() + 90 * DAY_MS).toISOString()}, or fix what keeps it from refreshing`,
    });

    // Same day: nothing new. The next day: expiring again, once.
    seen.length = 0;
    await runner.collect("pc", () => lifecycle.checkExpiring());
    expect(seen).toEqual([]);
    now = new Date(now.getTime() + DAY_MS);
    await runner.collect("pc", async () => {
      await lifecycle.checkExpiring();
      await lifecycle.checkExpiring();
    });
    expect(seen.map((p) => p.event)).toEqual(["expiring"]);

    // A success after the failures: refreshed, then recovered; then neither repeats.
    seen.length = 0;
    const refreshed = {
      profile: "pc",
      at: now,
      previousFingerprint: "aaaaaaaaaaaa",
      fingerprint: "bbbbbbbbbbbb",
      rotated: true,
      accessTokenExpiresAt: new Date(now.getTime() + 3600_000),
      expiresByInactivityAt: new Date(now.getTime() + 90 * DAY_MS),
      locations: [{ store: "default", name: "pc", version: "2" }],
      replayed: false,
    };
    await runner.collect("pc", async () => {
      await events.emit("refreshed", refreshed);
      await events.emit("refreshed", refreshed);
    });
    expect(seen.map((p) => p.event)).toEqual(["refreshed", "recovered", "refreshed"]);
    expect(seen[1]).toMatchObject({ failingSince: rejected.at.toISOString(), fingerprint: "bbbbbbbbbbbb" });
    expect(seen[0]).toMatchObject({ daysUntilRefreshTokenExpires: 90, stores: refreshed.locations });
    await lifecycle.stop();
  });

  it("checks expiry from a snapshot of statuses, reading again a profile the snapshot says qualifies", async () => {
    const dir = await testdir();
    const config = await configWithHooks(dir, {
      profileLines: ["expiringAfterDays: 60", "inactivityDays: 90"],
      profile: ["- { use: rec, on: [expiring] }"],
    });
    const seen: HookPayload[] = [];
    const rec: HookPlugin = {
      apiVersion: 1,
      name: "rec",
      handlers: { expiring: (payload: HookPayload) => void seen.push(payload) },
    };
    const now = new Date("2026-03-10T12:00:00Z");
    const stale = { refreshTokenIssuedAt: new Date(now.getTime() - 61 * DAY_MS).toISOString() };
    const fresh = { refreshTokenIssuedAt: new Date(now.getTime() - DAY_MS).toISOString() };
    const statusFile = join(config.stateDir, "status", "pc.json");
    await mkdir(join(config.stateDir, "status"), { recursive: true });
    const logger = captureLogger();
    const runner = new HookRunner(await HookSet.open(config, { rec }, logger), logger);
    const lifecycle = new LifecycleEvents({
      config,
      events: new EngineEvents(logger),
      runner,
      logger,
      now: () => now,
    });

    // The snapshot is older than the file: the profile was refreshed since, so nothing is raised.
    await writeFile(statusFile, JSON.stringify(fresh));
    await runner.collect("pc", () => lifecycle.checkExpiring(undefined, new Map([["pc", stale]])));
    expect(seen).toEqual([]);
    // A snapshot saying the token is fresh rules the profile out without reading its file.
    await writeFile(statusFile, JSON.stringify(stale));
    await runner.collect("pc", () => lifecycle.checkExpiring(undefined, new Map([["pc", fresh]])));
    expect(seen).toEqual([]);
    // Snapshot and file agree: raised once, with the file's figures; without a snapshot the files are read.
    await runner.collect("pc", () => lifecycle.checkExpiring(undefined, new Map([["pc", stale]])));
    await runner.collect("pc", () => lifecycle.checkExpiring());
    expect(seen).toMatchObject([
      { event: "expiring", profile: "pc", reason: "inactive", lastRedeemedAt: stale.refreshTokenIssuedAt },
    ]);
    await lifecycle.stop();
  });
});
