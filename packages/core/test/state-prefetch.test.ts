/**
 * `partnerd status` reads the state folder on a worker thread while the config loads: what it reads must
 * be what `profileReports` would read itself, and only ever from the validated config's folder.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/load.ts";
import { profileReports } from "../src/engine/profile-report.ts";
import type { Logger } from "../src/log/logger.ts";
import { prefetchStateFolder, writtenStateDir } from "../src/state-prefetch.ts";
import { cleanEnv, testdir } from "./config/helpers.ts";

const profiles = ["ok", "consent", "torn", "missing", "pending", "hooked"];

/** A config of `profiles` and a state folder with a status of each kind, a pending journal and a failed hook. */
async function stateFolder(head = "stateDir: ./state\n") {
  const dir = await testdir();
  const file = join(dir, "partnerd.yaml");
  const text = `${head}profiles:\n${profiles
    .map(
      (p) => `  ${p}:\n    applicationId: a\n    scopes: [s]\n    schedule: "*/5 * * * *"\n    jitter: 1m\n`,
    )
    .join("")}`;
  await writeFile(file, text);
  const config = (await parseConfig(text, { file, env: cleanEnv({ STATE_DIRECTORY: join(dir, "state") }) }))
    .config!;
  const state = join(dir, "state");
  for (const folder of ["status", "journal", "events"]) await mkdir(join(state, folder), { recursive: true });
  const write = (path: string, value: unknown) =>
    writeFile(join(state, path), typeof value === "string" ? value : JSON.stringify(value));
  await write("status/ok.json", {
    lastSuccessAt: "2026-01-01T00:00:00.000Z",
    refreshTokenIssuedAt: "2026-01-01T00:00:00.000Z",
  });
  await write("status/consent.json", {
    needsConsent: true,
    rejectedFingerprint: "f",
    lastError: { message: "AADSTS700082" },
  });
  await write("status/torn.json", '{"lastSuccessAt": "2026-');
  await write("status/pending.json", { lastSuccessAt: "2026-01-01T00:00:00.000Z" });
  await write("journal/pending.json", "{}");
  const failure = { hook: "h", event: "refreshed", error: "boom", at: "2026-01-01T00:00:00Z" };
  await write("events/hooked.json", { failedHooks: { h: failure } });
  return { dir, file, state, config, write };
}

function recordingLogger(warnings: string[]): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message) => warnings.push(message),
    error() {},
    child: () => logger,
  };
  return logger;
}

describe("prefetchStateFolder", () => {
  it("reads the config's state folder on a worker; the reports equal a direct read, a damaged file is still set aside and warned about", async () => {
    const { file, state, config, write } = await stateFolder();
    const now = new Date("2026-01-02T00:01:00Z");
    const snapshot = await prefetchStateFolder(file, { minConfigBytes: 0 }).take(config.stateDir);
    expect(snapshot?.stateDir).toBe(state);
    expect([...snapshot!.statuses.keys()].sort()).toEqual(["consent", "ok", "pending", "torn"]);
    expect(snapshot!.journal).toEqual(new Set(["pending"]));

    const warnings: string[] = [];
    const prefetched = await profileReports(config, now, recordingLogger(warnings), snapshot);
    expect(warnings).toEqual([expect.stringContaining("damaged; set aside")]);
    expect((await readdir(join(state, "status"))).sort()).toContain("torn.json.corrupt");
    expect(prefetched.map((r) => [r.profile, r.health, r.journalPending, r.failedHooks.length])).toEqual([
      ["ok", "ok", false, 0],
      ["consent", "needs-consent", false, 0],
      ["torn", "never-refreshed", false, 0],
      ["missing", "never-refreshed", false, 0],
      ["pending", "ok", true, 0],
      ["hooked", "never-refreshed", false, 1],
    ]);

    // The same folder read directly, with the damaged file put back: the same reports, the same warning.
    await write("status/torn.json", '{"lastSuccessAt": "2026-');
    const direct = await profileReports(config, now, recordingLogger(warnings));
    expect(direct).toEqual(prefetched);
    expect(warnings).toHaveLength(2);
  });

  it("is not used for another folder or a small config: not taken, and a snapshot of another folder is ignored", async () => {
    const { file, config } = await stateFolder();
    // A config this small loads before a worker would have started.
    expect(await prefetchStateFolder(file).take(config.stateDir)).toBeUndefined();
    const other = await testdir();
    expect(await prefetchStateFolder(file, { minConfigBytes: 0 }).take(other)).toBeUndefined();

    const elsewhere = {
      stateDir: other,
      journal: new Set<string>(),
      events: new Set<string>(),
      statuses: new Map(),
    };
    const reports = await profileReports(config, new Date(), undefined, elsewhere);
    expect(reports.find((r) => r.profile === "ok")?.health).toBe("ok");
    expect(reports.find((r) => r.profile === "pending")?.journalPending).toBe(true);
  });

  it("without stateDir in the config, reads the folder the environment names", async () => {
    const { file, state, config } = await stateFolder("");
    expect(config.stateDir).toBe(state);
    const snapshot = await prefetchStateFolder(file, {
      env: cleanEnv({ STATE_DIRECTORY: state }),
      minConfigBytes: 0,
    }).take(config.stateDir);
    expect(snapshot?.statuses.get("ok")).toMatchObject({ lastSuccessAt: "2026-01-01T00:00:00.000Z" });
  });

  it("guesses stateDir from plain and simply quoted values only", () => {
    expect(writtenStateDir("stateDir: ./state # here\nprofiles: {}\n")).toBe("./state");
    expect(writtenStateDir('profiles: {}\nstateDir: "/var/lib/a b"\n')).toBe("/var/lib/a b");
    expect(writtenStateDir("stateDir: '/srv/p'\n")).toBe("/srv/p");
    expect(writtenStateDir('{ "profiles": {}, "stateDir": "/j" }')).toBe("/j");
    expect(writtenStateDir("profiles:\n  a:\n    stateDir: /nested\n")).toBeUndefined();
    expect(writtenStateDir("stateDir: &anchor /x\n")).toBeUndefined();
    expect(writtenStateDir('stateDir: "escaped\\ttab"\n')).toBeUndefined();
    expect(writtenStateDir("stateDir:\n  /next-line\n")).toBeUndefined();
  });
});
