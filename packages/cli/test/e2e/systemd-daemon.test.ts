import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, describe, expect, it } from "vitest";
import {
  canary,
  createWorkspace,
  PartnerdProcess,
  runPartnerd,
  seedToken,
  storedToken,
  useFakeEntra,
  waitFor,
} from "./harness.ts";
import { NotifyReceiver } from "./notify-receiver.ts";

const fake = useFakeEntra();
const receivers: NotifyReceiver[] = [];
afterAll(() => {
  for (const receiver of receivers) receiver.close();
});

async function get(base: string, path: string) {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, text: await response.text() };
}

describe("partnerd run as a systemd service", () => {
  it("notifies systemd, serves metrics and probes, and tells readiness from a missed deadline", async () => {
    const ws = await createWorkspace(fake.entra);
    await writeFile(
      ws.configPath,
      [
        'server:\n  listen: "127.0.0.1:0"',
        // A hook that always fails, for the failure counter.
        "hooks:\n  - { name: always-fails, use: exec, options: { command: [/bin/false] } }",
        await readFile(ws.configPath, "utf8"),
      ].join("\n"),
    );
    // A token redeemed before a crash waits in the journal; the store still has the older one.
    const journaled = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    await seedToken(
      ws.secretsDir,
      "pc",
      fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") }),
    );
    const journal = join(ws.stateDir, "journal", "pc.json");
    await mkdir(join(ws.stateDir, "journal"), { mode: 0o700 });
    await writeFile(
      journal,
      JSON.stringify({
        partnerdJournal: 1,
        profile: "pc",
        refreshToken: journaled,
        previousFingerprint: "seed",
        redeemedAt: new Date().toISOString(),
        accessTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        locations: [{ store: "default", name: "pc" }],
      }),
      { mode: 0o600 },
    );
    const systemd = await NotifyReceiver.bind();
    receivers.push(systemd);
    // The first redemption is parked, so READY is seen before any scheduled refresh.
    const firstRedemption = fake.entra.hold();
    const partnerd = new PartnerdProcess(["run", "-c", ws.configPath], {
      env: { NOTIFY_SOCKET: systemd.path, WATCHDOG_USEC: "1000000" },
    });

    await waitFor(() => systemd.with("READY").length > 0, 15_000);
    // READY=1 comes only after the journal was replayed into the store.
    expect(existsSync(journal)).toBe(false);
    expect(await storedToken(ws.secretsDir)).toBe(journaled);
    expect(systemd.with("STATUS")[0]?.STATUS).toBe("loading the config and stores");
    expect(systemd.with("READY")[0]?.STATUS).toMatch(/^1 profile ok, next refresh \d{4}-\d\d-\d\d /);

    const [listening] = await partnerd.waitForLogs((l) => l.msg.startsWith("serving /metrics"));
    const base = `http://${String(listening?.listen)}`;
    expect((await get(base, "/healthz")).status).toBe(200);

    // Parked redemption: the profile misses its deadline and /readyz says so.
    await firstRedemption.arrived;
    await waitFor(async () => (await get(base, "/readyz")).status === 503, 10_000);
    expect(JSON.parse((await get(base, "/readyz")).text)).toMatchObject({ late: ["pc"] });
    firstRedemption.release();
    await partnerd.waitForLogs((l) => l.msg === "refresh token redeemed and stored", 2);
    await waitFor(async () => (await get(base, "/readyz")).status === 200, 10_000);

    // The watchdog is pinged from the scheduler loop at half of WATCHDOG_USEC.
    await waitFor(() => systemd.with("WATCHDOG").length >= 3, 10_000);
    await waitFor(() =>
      systemd.with("STATUS").some((m) => m.STATUS?.startsWith("1 profile ok") && !("READY" in m)),
    );

    // A run is counted when it ends, which is a moment after its "stored" line (its hooks' events first).
    let metrics = await get(base, "/metrics");
    let families = new Map<string, ReturnType<typeof parsePrometheusTextFormat>[number]>();
    const sample = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    const refreshedRuns = () =>
      Number(sample("partnerd_refreshes_total", { profile: "pc", result: "refreshed" })?.value ?? 0);
    await waitFor(async () => {
      metrics = await get(base, "/metrics");
      families = new Map(parsePrometheusTextFormat(metrics.text).map((f) => [f.name, f]));
      return refreshedRuns() >= 2;
    }, 10_000);
    expect(metrics.status).toBe(200);
    expect(refreshedRuns()).toBeGreaterThanOrEqual(2);
    expect(families.get("partnerd_redemption_duration_seconds")?.type).toBe("HISTOGRAM");
    // The parser keeps a histogram's buckets (not its labels): +Inf counts every observation.
    const observations = (name: string) =>
      (families.get(name)?.metrics ?? []).reduce((n, m) => n + Number(m.buckets?.["+Inf"] ?? 0), 0);
    expect(observations("partnerd_redemption_duration_seconds")).toBeGreaterThanOrEqual(2);
    expect(observations("partnerd_store_write_duration_seconds")).toBeGreaterThanOrEqual(2);
    expect(metrics.text).toContain(
      'partnerd_store_write_duration_seconds_count{store="default",result="ok"}',
    );
    expect(Number(sample("partnerd_seconds_since_last_success", { profile: "pc" })?.value)).toBeLessThan(60);
    const expiresIn = Number(sample("partnerd_refresh_token_expires_in_seconds", { profile: "pc" })?.value);
    expect(expiresIn).toBeGreaterThan(89 * 86_400);
    expect(expiresIn).toBeLessThanOrEqual(90 * 86_400);
    expect(Number(sample("partnerd_refresh_token_idle_seconds", { profile: "pc" })?.value)).toBeLessThan(60);
    expect(sample("partnerd_profiles_needing_consent")?.value).toBe("0");
    expect(sample("partnerd_journal_entries_pending")?.value).toBe("0");
    const hookFailures = { profile: "pc", hook: "always-fails", event: "refreshed" };
    expect(Number(sample("partnerd_hook_failures_total", hookFailures)?.value)).toBeGreaterThanOrEqual(1);
    // The per-profile gauges are emptied after each scrape (memory at 10,000 profiles) and recomputed at the next.
    const again = (await get(base, "/metrics")).text;
    for (const gauge of [
      "partnerd_seconds_since_last_success",
      "partnerd_refresh_token_expires_in_seconds",
    ]) {
      expect(again).toMatch(new RegExp(`^${gauge}\\{profile="pc"\\} \\d`, "m"));
    }

    // SIGHUP: RELOADING=1 with the monotonic clock, then READY=1 again.
    const readyBefore = systemd.with("READY").length;
    partnerd.child.kill("SIGHUP");
    await waitFor(() => systemd.with("READY").length > readyBefore, 10_000);
    const [reloading] = systemd.with("RELOADING");
    expect(reloading?.RELOADING).toBe("1");
    const monotonicNow = process.hrtime.bigint() / 1000n;
    expect(BigInt(reloading!.MONOTONIC_USEC!)).toBeLessThanOrEqual(monotonicNow);
    expect(monotonicNow - BigInt(reloading!.MONOTONIC_USEC!)).toBeLessThan(60_000_000n);
    expect(systemd.messages.indexOf(systemd.messages.find((m) => m.startsWith("RELOADING=1"))!)).toBeLessThan(
      systemd.messages.findLastIndex((m) => m.startsWith("READY=1")),
    );

    partnerd.child.kill("SIGTERM");
    expect((await partnerd.exited).code).toBe(0);
    expect(systemd.with("STOPPING")).toHaveLength(1);
  });

  it("sends nothing and serves nothing when neither NOTIFY_SOCKET nor server.listen is set", async () => {
    const ws = await createWorkspace(fake.entra);
    const partnerd = new PartnerdProcess(["run", "-c", ws.configPath], { env: { NOTIFY_SOCKET: "" } });
    await partnerd.waitForLogs((l) => l.msg === "refresh token redeemed and stored");
    partnerd.child.kill("SIGTERM");
    expect((await partnerd.exited).code).toBe(0);
    expect(
      partnerd.logs.some((l) => l.msg.startsWith("serving /metrics") || l.msg.startsWith("cannot notify")),
    ).toBe(false);
  });
});

describe("partnerd run with server.listen on a port in use", () => {
  it("exits 1 with a message naming the address instead of running without its listener", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const ws = await createWorkspace(fake.entra);
      const config = await readFile(ws.configPath, "utf8");
      await writeFile(ws.configPath, `server: { listen: "127.0.0.1:${port}" }\n${config}`);
      const result = await runPartnerd(["run", "-c", ws.configPath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`server.listen 127.0.0.1:${port}: cannot listen (EADDRINUSE)`);
    } finally {
      taken.close();
    }
  });
});

describe("partnerd run scheduling", () => {
  it("refreshes at start when a tick was missed, and backs a bad client secret off across ticks", async () => {
    const ws = await createWorkspace(fake.entra);
    await writeFile(join(ws.dir, "client-secret"), `${canary("SECRET")}\n`, { mode: 0o600 });
    const partnerd = new PartnerdProcess(["run", "-c", ws.configPath]);
    const backOffs = await partnerd.waitForLogs((l) => l.msg.startsWith("backing off"), 2);
    partnerd.child.kill("SIGTERM");
    expect((await partnerd.exited).code).toBe(0);

    // Never refreshed before: the first run does not wait for a tick.
    expect(partnerd.logs.some((l) => l.msg.startsWith("catching up"))).toBe(true);
    // After the n-th failure in a row, 2^n - 1 ticks are skipped: one failed run per back-off step.
    expect(backOffs.map((l) => l.skippedTicks)).toEqual([1, 3]);
    const failures = partnerd.logs.filter((l) => l.msg === "refresh failed");
    expect(failures.slice(0, 2).map((l) => l.kind)).toEqual(["terminal", "terminal"]);
    expect(failures.length).toBeLessThanOrEqual(3);
  });
});
