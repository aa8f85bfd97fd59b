import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fingerprint, loadConfig, PartnerdRuntime, silentLogger } from "@partnerd/core";
import { envelopeCheck } from "@partnerd/store-file";
import { describe, expect, it } from "vitest";
import { builtinStores } from "../../src/builtin-stores.ts";
import {
  canary,
  createWorkspace,
  runPartnerd,
  seedToken,
  storedToken,
  useFakeEntra,
  userProfileLines,
} from "./harness.ts";

const fake = useFakeEntra({ rotation: "single-use" });

const twoLocations = ({ clientId }: { clientId: string }) =>
  [
    ...userProfileLines(fake.entra, clientId),
    "    refreshToken: [{ store: older, name: pc }, { store: newer, name: pc }]",
    "stores:",
    "  older: { use: file, options: { dir: ./older } }",
    "  newer: { use: file, options: { dir: ./newer } }",
  ].join("\n");

/** A runtime in this process, as the CLI opens one, for tests that drive the engine directly. */
async function openRuntime(configPath: string): Promise<PartnerdRuntime> {
  const { config } = await loadConfig({ configPath });
  return PartnerdRuntime.open(config, { logger: silentLogger, builtinStores, command: "test" });
}

describe("engine guarantees", () => {
  it("redeems the newest token across a profile's locations (someone re-consented into one of them)", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false, profileYaml: twoLocations });
    const older = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    await seedToken(join(ws.dir, "older"), "pc", older);
    await new Promise((r) => setTimeout(r, 20)); // distinct modification times
    const newer = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    await seedToken(join(ws.dir, "newer"), "pc", newer);

    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    expect(fake.entra.refreshTokenState(newer)).toBe("spent");
    expect(fake.entra.isValidRefreshToken(older)).toBe(true);
    const rotated = await storedToken(join(ws.dir, "newer"));
    expect(await storedToken(join(ws.dir, "older"))).toBe(rotated);
  });

  it("a store that silently drops writes fails the read-back check; the journal keeps the token", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          "    refreshToken: { store: dropping, name: pc }",
          "    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }",
          "stores:",
          "  dropping: { use: ./dropping-store.js, options: { file: tokens.json } }",
        ].join("\n"),
    });
    await copyFile(
      new URL("./fixtures/dropping-store.js", import.meta.url),
      join(ws.dir, "dropping-store.js"),
    );
    const seeded = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    await writeFile(join(ws.dir, "tokens.json"), JSON.stringify({ pc: seeded }), { mode: 0o600 });

    const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(result.code).toBe(1);
    expect(result.logs.find((l) => l.level === "error")?.error).toContain(
      "the value read back after writing does not match what was written",
    );
    expect(existsSync(join(ws.stateDir, "journal", "pc.json"))).toBe(true);
    const [rotated] = fake.entra.validRefreshTokens(ws.clientId);
    expect(rotated).toBeDefined();
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(join(ws.stateDir, "journal", "pc.json"), "utf8")).toContain(rotated!);
  });

  it("never runs two refreshes of one profile at once: with single-use tokens both succeed only in turn", async () => {
    const ws = await createWorkspace(fake.entra);
    const runtime = await openRuntime(ws.configPath);
    try {
      const held = fake.entra.hold();
      const first = runtime.refresh("pc");
      const second = runtime.refresh("pc");
      await held.arrived;
      held.release();
      const outcomes = await Promise.all([first, second]);
      expect(outcomes.map((o) => o.status)).toEqual(["refreshed", "refreshed"]);
      const [a, b] = outcomes as Extract<(typeof outcomes)[number], { status: "refreshed" }>[];
      expect(b!.event.previousFingerprint).toBe(a!.event.fingerprint);
    } finally {
      await runtime.close();
    }
  });

  it("a long-running process finishes the file-store write of a holder that died mid-write before it reads", async () => {
    const ws = await createWorkspace(fake.entra);
    // Opened before the crash below: its store's start-up recovery has nothing to do.
    const runtime = await openRuntime(ws.configPath);
    try {
      // Another process redeemed the stored token (the provider spent it), fsync'd the rotated one to the
      // file store's temp file and died before the rename, holding the profile's lock.
      const spent = (await storedToken(ws.secretsDir))!;
      const rotated = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
      fake.entra.revokeRefreshToken(spent);
      const envelope = {
        partnerd: 1,
        version: "2",
        updatedAt: new Date().toISOString(),
        check: envelopeCheck("2", rotated),
        value: rotated,
      };
      await writeFile(join(ws.secretsDir, ".pc.0123456789ab.tmp"), JSON.stringify(envelope), { mode: 0o600 });
      const deadPid = spawnSync(process.execPath, ["-e", "0"]).pid;
      await mkdir(join(ws.stateDir, "locks"), { recursive: true, mode: 0o700 });
      const record = {
        pid: deadPid,
        host: hostname(),
        command: "partnerd refresh pc",
        since: new Date().toISOString(),
      };
      await writeFile(join(ws.stateDir, "locks", "pc.lock"), JSON.stringify(record), { mode: 0o600 });

      const outcome = await runtime.refresh("pc");
      expect(outcome.status).toBe("refreshed");
      if (outcome.status !== "refreshed") return;
      expect(outcome.event.previousFingerprint).toBe(fingerprint(rotated));
      expect(fake.entra.refreshTokenState(rotated)).toBe("spent");
      expect(await storedToken(ws.secretsDir)).toBe(fake.entra.validRefreshTokens(ws.clientId)[0]);
      expect((await readdir(ws.secretsDir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});
