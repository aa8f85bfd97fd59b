import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, StatusBook } from "@partnerd/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProfileBoard } from "../../src/daemon/profile-board.ts";
import { liveness, readiness } from "../../src/server/health.ts";

async function boardFor(profiles: Record<string, string>) {
  const stateDir = await mkdtemp(join(tmpdir(), "partnerd-board-"));
  const yaml = [
    `stateDir: ${stateDir}`,
    "profiles:",
    ...Object.entries(profiles).flatMap(([name, extra]) => [
      `  ${name}:`,
      "    applicationId: app",
      "    scopes: [https://graph.microsoft.com/.default]",
      ...extra.split("\n").map((line) => `    ${line}`),
    ]),
  ].join("\n");
  const { config, errors } = await parseConfig(yaml, { file: join(stateDir, "partnerd.yaml"), env: {} });
  expect(errors).toBeUndefined();
  return { config: config!, book: new StatusBook(stateDir) };
}

describe("ProfileBoard (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-10T03:20:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts a scheduled profile late once its due run plus the grace passed without a success", async () => {
    const { config, book } = await boardFor({
      fresh: 'schedule: "0 3 * * *"\ntimezone: UTC',
      stale: 'schedule: "0 3 * * *"\ntimezone: UTC',
      manual: "",
    });
    await book.update("fresh", () => ({
      lastSuccessAt: "2026-03-10T03:00:04Z",
      refreshTokenIssuedAt: "2026-03-10T03:00:04Z",
    }));
    await book.update("stale", () => ({ lastSuccessAt: "2026-03-09T03:00:04Z" }));
    const board = await ProfileBoard.load(config);
    expect(board.lateProfiles()).toEqual(["stale"]);
    expect(readiness(board, true)).toMatchObject({ ok: false, body: { late: ["stale"] } });
    // Within the 15-minute grace after today's 03:00, "stale" was not late yet.
    expect(board.lateProfiles(Date.parse("2026-03-10T03:10:00Z"))).toEqual([]);

    await book.update("stale", () => ({ lastSuccessAt: "2026-03-10T03:19:00Z" }));
    await board.update("stale");
    expect(readiness(board, true)).toMatchObject({ ok: true });
    expect(readiness(board, false).ok).toBe(false);
  });

  it("summarizes health for systemd's STATUS line", async () => {
    const { config, book } = await boardFor({
      a: 'schedule: "0 3 * * *"',
      b: 'schedule: "0 3 * * *"',
      c: 'schedule: "0 3 * * *"',
      d: 'schedule: "0 3 * * *"',
    });
    await book.update("a", () => ({ lastSuccessAt: "2026-03-10T03:00:00Z" }));
    await book.update("b", () => ({ lastSuccessAt: "2026-03-10T03:00:00Z" }));
    await book.update("c", () => ({
      needsConsent: true,
      lastError: { kind: "terminal", code: "NEEDS_CONSENT", message: "AADSTS700082" },
    }));
    const board = await ProfileBoard.load(config);
    const next = new Date(2026, 2, 11, 3, 0, 0);
    expect(board.summary(next)).toBe(
      "2 profiles ok, 1 needs consent, 1 not refreshed yet, next refresh 2026-03-11 03:00:00",
    );
  });

  it("reads idle and expiry from the status file and the inactivity window", async () => {
    const { config, book } = await boardFor({ pc: 'schedule: "0 3 * * *"' });
    await book.update("pc", () => ({ refreshTokenIssuedAt: "2026-03-09T03:20:00Z" }));
    const board = await ProfileBoard.load(config);
    const [state] = board.states;
    expect(Date.now() - state!.refreshTokenIssuedAt!).toBe(86_400_000);
    expect(state!.inactivityMs).toBe(90 * 86_400_000);
  });
});

describe("liveness", () => {
  it("fails once the scheduler loop missed three heartbeats", () => {
    expect(liveness(undefined, 1000, 10_000).ok).toBe(false);
    expect(liveness(8000, 1000, 10_000).ok).toBe(true);
    expect(liveness(6000, 1000, 10_000)).toMatchObject({
      ok: false,
      body: { status: "scheduler loop stalled" },
    });
  });
});
