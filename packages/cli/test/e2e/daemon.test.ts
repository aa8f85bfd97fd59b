import { existsSync } from "node:fs";
import { copyFile, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  canary,
  createWorkspace,
  PartnerdProcess,
  storedToken,
  useFakeEntra,
  userProfileLines,
  waitFor,
} from "./harness.ts";

const fake = useFakeEntra();

const isStored = (line: { msg: string }) => line.msg === "refresh token redeemed and stored";

describe("partnerd run", () => {
  it("rotates the refresh token on schedule and persists every new one", async () => {
    const ws = await createWorkspace(fake.entra);
    const seeded = await storedToken(ws.secretsDir);
    const partnerd = new PartnerdProcess(["run", "-c", ws.configPath]);
    const rotations = await partnerd.waitForLogs(isStored, 2);
    partnerd.child.kill("SIGTERM");
    expect((await partnerd.exited).code).toBe(0);

    expect(rotations[1]?.previousFingerprint).toBe(rotations[0]?.fingerprint);
    const stored = await storedToken(ws.secretsDir);
    expect(stored).not.toBe(seeded);
    expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
    expect(fake.entra.isValidRefreshToken(seeded!)).toBe(false);
    expect(partnerd.logs.some((l) => l.msg === "stopped")).toBe(true);
  });

  it("finishes a refresh that is in flight when SIGTERM arrives, then exits 0", async () => {
    const ws = await createWorkspace(fake.entra);
    const held = fake.entra.hold();
    const partnerd = new PartnerdProcess(["run", "-c", ws.configPath]);
    await held.arrived;
    partnerd.child.kill("SIGTERM");
    await partnerd.waitForLogs((l) => l.msg.startsWith("stopping"));
    held.release();
    expect((await partnerd.exited).code).toBe(0);

    const [stored] = await partnerd.waitForLogs(isStored);
    expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
    expect(stored?.fingerprint).toBeDefined();
  });

  it("loses nothing when killed -9 between redeem and store write: the journal replays at start-up", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          "    refreshToken: { store: held, name: pc }",
          '    schedule: "* * * * * *"',
        ].join("\n"),
    });
    await copyFile(new URL("./fixtures/held-store.js", import.meta.url), join(ws.dir, "held-store.js"));
    const config = await readFile(ws.configPath, "utf8");
    await writeFile(
      ws.configPath,
      `${config}stores:\n  held:\n    use: ./held-store.js\n    options: { file: held.json }\n`,
    );
    const seeded = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
    await writeFile(join(ws.dir, "held.json"), JSON.stringify({ pc: { value: seeded, version: 1 } }), {
      mode: 0o600,
    });
    await writeFile(join(ws.dir, "hold"), "");

    const first = new PartnerdProcess(["run", "-c", ws.configPath]);
    const journal = join(ws.stateDir, "journal", "pc.json");
    await waitFor(() => existsSync(journal));
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    // The seeded token is spent at the identity provider and the store still holds it: only the journal has the new one.
    expect(fake.entra.isValidRefreshToken(seeded)).toBe(false);
    expect(JSON.parse(await readFile(join(ws.dir, "held.json"), "utf8")).pc.value).toBe(seeded);

    await rm(join(ws.dir, "hold"));
    const second = new PartnerdProcess(["run", "-c", ws.configPath]);
    await second.waitForLogs((l) => l.msg === "refresh token recovered from the journal and stored");
    await second.waitForLogs(isStored);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
    const stored = JSON.parse(await readFile(join(ws.dir, "held.json"), "utf8")).pc.value as string;
    expect(fake.entra.isValidRefreshToken(stored)).toBe(true);
    expect(existsSync(journal)).toBe(false);
  });
});
