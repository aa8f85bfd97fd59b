import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fingerprint } from "@partnerd/core";
import { describe, expect, it } from "vitest";
import {
  canary,
  createWorkspace,
  PartnerdProcess,
  runPartnerd,
  storedToken,
  useFakeEntra,
  userProfileLines,
  type Workspace,
  waitFor,
} from "./harness.ts";

const fake = useFakeEntra({ rotation: "single-use" });

/** A workspace whose profile `pc` keeps its token in the fault-injecting plugin store. */
async function faultWorkspace(extraLocation = ""): Promise<Workspace> {
  const ws = await createWorkspace(fake.entra, {
    seed: false,
    profileYaml: ({ clientId }) =>
      [
        ...userProfileLines(fake.entra, clientId),
        `    refreshToken: { store: fault, name: pc${extraLocation} }`,
        "    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }",
        "stores:",
        "  fault: { use: ./fault-store.js, options: { file: tokens.json } }",
      ].join("\n"),
  });
  await copyFile(new URL("./fixtures/fault-store.js", import.meta.url), join(ws.dir, "fault-store.js"));
  await putToken(ws, fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") }));
  return ws;
}

async function putToken(ws: Workspace, value: string, updatedAt = new Date()): Promise<void> {
  const entry = { value, version: 1, updatedAt: updatedAt.toISOString() };
  await writeFile(join(ws.dir, "tokens.json"), JSON.stringify({ pc: entry }), { mode: 0o600 });
}

async function storedValue(ws: Workspace): Promise<string | undefined> {
  return JSON.parse(await readFile(join(ws.dir, "tokens.json"), "utf8")).pc?.value;
}

async function setFaults(ws: Workspace, faults: Record<string, unknown>): Promise<void> {
  await writeFile(join(ws.dir, "faults.json"), JSON.stringify(faults));
}

const journalFile = (ws: Workspace) => join(ws.stateDir, "journal", "pc.json");
const refresh = (ws: Workspace) => runPartnerd(["refresh", "pc", "-c", ws.configPath]);
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("never lose a token", () => {
  it("replay keeps a newer token a person put in the store over a stale journal entry (#1)", async () => {
    const ws = await faultWorkspace();
    await setFaults(ws, { putFails: true });
    expect((await refresh(ws)).code).toBe(1);
    const journaled = JSON.parse(await readFile(journalFile(ws), "utf8")).refreshToken as string;

    // The needs-consent hint is followed: a fresh token lands in the store; the store works again.
    const fresh = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    await putToken(ws, fresh);
    await setFaults(ws, {});
    const result = await refresh(ws);
    expect(result.code).toBe(0);
    expect(result.logs.some((l) => l.msg.startsWith("discarding a journal entry"))).toBe(true);
    expect(fake.entra.refreshTokenState(fresh)).toBe("spent");
    const stored = await storedValue(ws);
    expect(stored).not.toBe(journaled);
    expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
    expect(existsSync(journalFile(ws))).toBe(false);
  });

  it("replay writes to the locations of the current config: fixing the store option unblocks it (#2)", async () => {
    const ws = await faultWorkspace();
    await setFaults(ws, { requireTakeover: true });
    const failed = await refresh(ws);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("set takeover: true");
    const journaled = JSON.parse(await readFile(journalFile(ws), "utf8")).refreshToken as string;

    const yaml = await readFile(ws.configPath, "utf8");
    await writeFile(ws.configPath, yaml.replace("name: pc }", "name: pc, takeover: true }"));
    const fixed = await refresh(ws);
    expect(fixed.code).toBe(0);
    expect(await storedValue(ws)).toBe(journaled);
    expect(existsSync(journalFile(ws))).toBe(false);
  });

  it("recovers a complete journal temp file a crash left before its rename (#3)", async () => {
    const ws = await faultWorkspace();
    const previous = await storedValue(ws);
    // The crash: the provider rotated (previous spent), the journal's temp file was fsynced, no rename.
    const rotated = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    fake.entra.revokeRefreshToken(previous!);
    await mkdir(join(ws.stateDir, "journal"), { recursive: true, mode: 0o700 });
    const temp = join(ws.stateDir, "journal", ".pc.json.0123456789ab.tmp");
    const entry = {
      partnerdJournal: 1,
      profile: "pc",
      refreshToken: rotated,
      previousFingerprint: fingerprint(previous!),
      redeemedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
      accessTokenExpiresAt: new Date().toISOString(),
      locations: [{ store: "fault", name: "pc" }],
    };
    await writeFile(temp, JSON.stringify(entry), { mode: 0o600 });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(temp, twoHoursAgo, twoHoursAgo);

    const result = await refresh(ws);
    expect(result.code, result.stdout).toBe(0);
    expect(
      result.logs.some((l) => l.msg === "recovered a journal entry whose write a crash interrupted"),
    ).toBe(true);
    expect(await storedValue(ws)).toBe(rotated);
    expect(existsSync(temp)).toBe(false);
  });

  it("holds a token neither the journal nor the store takes, and retries until one does (#4)", async () => {
    const ws = await faultWorkspace();
    await mkdir(ws.stateDir, { recursive: true });
    await writeFile(join(ws.stateDir, "journal"), "not a folder: the journal cannot be written");
    await setFaults(ws, { putFails: true });
    const daemon = new PartnerdProcess(["refresh", "pc", "-c", ws.configPath]);
    try {
      const held = await daemon.waitForLogs(
        (l) => l.msg.startsWith("a redeemed refresh token is held in memory"),
        2,
      );
      const status = await runPartnerd(["status", "-c", ws.configPath, "--json"]);
      const [report] = JSON.parse(status.stdout);
      expect(report.tokenHeldInMemory).toBe(held[0]!.fingerprint);
      expect(report.health).toBe("failing");

      await setFaults(ws, {});
      expect((await daemon.exited).code).toBe(0);
      const [valid] = fake.entra.validRefreshTokens(ws.clientId);
      expect(await storedValue(ws)).toBe(valid);
    } finally {
      daemon.child.kill("SIGKILL");
    }
  });

  it("the file store as the only location: written straight (no journal); if it fails, the journal takes the token", async () => {
    const ws = await createWorkspace(fake.entra, {
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          "    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }",
        ].join("\n"),
    });
    const first = await refresh(ws);
    expect(first.code).toBe(0);
    let [valid] = fake.entra.validRefreshTokens(ws.clientId);
    expect(await storedToken(ws.secretsDir)).toBe(valid);
    expect(existsSync(join(ws.stateDir, "journal"))).toBe(false); // the store's own write was the durable copy

    // The store now cannot replace `pc` (a folder sits where it keeps the replaced value).
    await rm(join(ws.secretsDir, "pc.previous"));
    await mkdir(join(ws.secretsDir, "pc.previous", "blocker"), { recursive: true });
    const failed = await refresh(ws);
    expect(failed.code).toBe(1);
    [valid] = fake.entra.validRefreshTokens(ws.clientId);
    const journaled = JSON.parse(await readFile(journalFile(ws), "utf8")).refreshToken as string;
    expect(journaled).toBe(valid); // single-use rotation: the only live token, and it is in the journal
    expect(failed.logs.some((l) => l.msg.startsWith("could not write the store; journaling"))).toBe(true);
    expect(failed.stdout + failed.stderr).not.toContain(journaled);

    await rm(join(ws.secretsDir, "pc.previous"), { recursive: true });
    const replayed = await refresh(ws);
    expect(replayed.code).toBe(0);
    expect(
      replayed.logs.some((l) => l.msg === "persisting a redeemed refresh token left in the journal"),
    ).toBe(true);
    [valid] = fake.entra.validRefreshTokens(ws.clientId);
    expect(await storedToken(ws.secretsDir)).toBe(valid);
    expect(existsSync(journalFile(ws))).toBe(false);
  });

  it("a damaged or unwritable status file never stops a refresh, nor crashes status (#5)", async () => {
    const ws = await faultWorkspace();
    await mkdir(join(ws.stateDir, "status"), { recursive: true });
    await writeFile(join(ws.stateDir, "status", "pc.json"), "{ half a status");
    const first = await refresh(ws);
    expect(first.code).toBe(0);
    expect(first.logs.some((l) => l.level === "warn" && l.msg.includes("status file is damaged"))).toBe(true);
    expect(existsSync(join(ws.stateDir, "status", "pc.json.corrupt"))).toBe(true);

    // Unwritable: a folder where the file should be.
    await rm(join(ws.stateDir, "status", "pc.json"), { force: true });
    await mkdir(join(ws.stateDir, "status", "pc.json"));
    const second = await refresh(ws);
    expect(second.code).toBe(0);
    expect(fake.entra.isValidRefreshToken((await storedValue(ws))!)).toBe(true);
    const status = await runPartnerd(["status", "-c", ws.configPath]);
    noStackTrace(status.stdout + status.stderr);
    expect(status.stdout).toContain("pc");
  });

  it("a plugin error that quotes the token never carries it into a log line or the status file (#7)", async () => {
    const ws = await faultWorkspace();
    await setFaults(ws, { putFails: true, errorQuotesValue: true });
    const result = await refresh(ws);
    expect(result.code).toBe(1);
    const journaled = JSON.parse(await readFile(journalFile(ws), "utf8")).refreshToken as string;
    expect(result.stdout).toContain("fault store: could not store");
    expect(result.stdout + result.stderr).not.toContain(journaled);
    expect(await readFile(join(ws.stateDir, "status", "pc.json"), "utf8")).not.toContain(journaled);
  });

  it("SIGHUP while one profile's store write hangs switches the idle profiles at once (#6)", async () => {
    const ws = await createWorkspace(fake.entra, {
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          '    schedule: "* * * * * *"',
          ...userProfileLines(fake.entra, clientId, { name: "slow" }),
          "    refreshToken: { store: fault, name: slow }",
          '    schedule: "* * * * * *"',
          "stores:",
          "  fault: { use: ./fault-store.js, options: { file: tokens.json } }",
        ].join("\n"),
    });
    await copyFile(new URL("./fixtures/fault-store.js", import.meta.url), join(ws.dir, "fault-store.js"));
    const slowToken = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    const entry = { value: slowToken, version: 1, updatedAt: new Date().toISOString() };
    await writeFile(join(ws.dir, "tokens.json"), JSON.stringify({ slow: entry }), { mode: 0o600 });
    await writeFile(join(ws.dir, "hold"), "");
    await setFaults(ws, { holdPut: "hold" });

    const daemon = new PartnerdProcess(["run", "-c", ws.configPath]);
    try {
      await waitFor(() => existsSync(join(ws.dir, "hold.waiting")));
      daemon.child.kill("SIGHUP");
      await daemon.waitForLogs((l) => l.msg === "reloading the config (SIGHUP)");
      const reloadedAt = daemon.logs.length;
      // `pc` keeps refreshing under the new config while `slow` still waits for its store.
      await waitFor(() =>
        daemon.logs
          .slice(reloadedAt)
          .some((l) => l.profile === "pc" && l.msg === "refresh token redeemed and stored"),
      );
      expect(
        daemon.logs.some((l) => l.profile === "slow" && l.msg === "refresh token redeemed and stored"),
      ).toBe(false);

      await rm(join(ws.dir, "hold"));
      await daemon.waitForLogs((l) => l.profile === "slow" && l.msg === "refresh token redeemed and stored");
      daemon.child.kill("SIGTERM");
      expect((await daemon.exited).code).toBe(0);
      const slowStored = JSON.parse(await readFile(join(ws.dir, "tokens.json"), "utf8")).slow.value;
      expect(fake.entra.isValidRefreshToken(slowStored)).toBe(true);
      expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
      noStackTrace(daemon.stdout + daemon.stderr);
    } finally {
      daemon.child.kill("SIGKILL");
    }
  });

  it("a redemption that times out and is rejected on retry says the provider may have rotated it (#11)", async () => {
    const ws = await createWorkspace(fake.entra, {
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          "    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 }",
        ].join("\n"),
    });
    const yaml = await readFile(ws.configPath, "utf8");
    await writeFile(ws.configPath, yaml.replace("network:\n", "network:\n  timeoutMs: 300\n"));
    // The provider takes the first request but answers too late; the retry presents the same token.
    const slow = fake.entra.hold();
    const retry = fake.entra.hold();
    const result = runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    await slow.arrived;
    await retry.arrived;
    const before = fake.entra.redemptionCount;
    slow.release();
    await waitFor(() => fake.entra.redemptionCount > before);
    retry.release();

    const { code, logs, stdout } = await result;
    expect(code, stdout).toBe(1);
    const failure = logs.find((l) => l.level === "error" && l.msg.startsWith("refresh failed"));
    expect(failure?.error).toContain("the provider may have rotated the token during a timeout");
    expect(failure?.hint).toContain("partnerd login pc");
    // And the default gives a slow provider as long as MSAL.NET does.
    const { loadConfig } = await import("@partnerd/core");
    await writeFile(ws.configPath, yaml);
    expect((await loadConfig({ configPath: ws.configPath })).config.network.timeoutMs).toBe(100_000);
  });
});
