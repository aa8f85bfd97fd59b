import { describe, expect, it } from "vitest";
import { createWorkspace, PartnerdProcess, runPartnerd, storedToken, useFakeEntra } from "./harness.ts";

// Strict rotation: a spent refresh token presented again fails. Any second redeemer racing the first shows.
const fake = useFakeEntra({ rotation: "single-use" });

const CLIENTS = 100;

function clients(configPath: string, count: number) {
  return Array.from({ length: count }, (_, i) =>
    runPartnerd([i % 2 === 0 ? "token" : "refresh", "pc", "-c", configPath], {
      stdoutIsResult: i % 2 === 0,
      env: { PARTNERD_LOG_LEVEL: "warn" },
    }),
  );
}

async function stop(daemon: PartnerdProcess): Promise<void> {
  daemon.child.kill("SIGTERM");
  expect((await daemon.exited).code).toBe(0);
}

describe("one owner per refresh token", () => {
  it(`a daemon on a 1 s schedule, ${CLIENTS} concurrent token/refresh processes and a second run: the grant survives`, async () => {
    const ws = await createWorkspace(fake.entra);
    const firstRequest = fake.entra.tokenRequests.length;
    const daemon = new PartnerdProcess(["run", "-c", ws.configPath]);
    await daemon.waitForLogs((l) => l.msg === "serving access tokens");

    const [second, ...results] = await Promise.all([
      runPartnerd(["run", "-c", ws.configPath]),
      ...clients(ws.configPath, CLIENTS),
    ]);
    expect(second!.code).toBe(1);
    expect(second!.stderr).toContain(`locked by pid ${daemon.child.pid}`);
    for (const result of results)
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    await daemon.waitForLogs((l) => l.msg === "refresh token redeemed and stored", 2);
    await stop(daemon);

    const requests = fake.entra.tokenRequests.slice(firstRequest);
    expect(requests.filter((r) => r.status !== 200)).toEqual([]);
    const stored = await storedToken(ws.secretsDir);
    expect(fake.entra.validRefreshTokens(ws.clientId)).toEqual([stored]);
    const status = JSON.parse((await runPartnerd(["status", "--json", "-c", ws.configPath])).stdout);
    expect(status[0].health).toBe("ok");
  }, 120_000);

  it("kill -9 of the daemon in the middle: its locks are recovered and nothing is lost", async () => {
    fake.entra.rotation = "keep-old";
    try {
      const ws = await createWorkspace(fake.entra);
      const daemon = new PartnerdProcess(["run", "-c", ws.configPath]);
      await daemon.waitForLogs((l) => l.msg === "serving access tokens");
      const running = clients(ws.configPath, 60);
      await daemon.waitForLogs((l) => l.msg === "refresh token redeemed and stored");
      daemon.child.kill("SIGKILL");
      await daemon.exited;
      const successor = new PartnerdProcess(["run", "-c", ws.configPath]);
      await successor.waitForLogs((l) => l.msg === "serving access tokens");
      const results = await Promise.all(running);
      for (const result of results)
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      await stop(successor);

      const stored = await storedToken(ws.secretsDir);
      expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
      const status = JSON.parse((await runPartnerd(["status", "--json", "-c", ws.configPath])).stdout);
      expect(status[0]).toMatchObject({ health: "ok", journalPending: false });
      expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    } finally {
      fake.entra.rotation = "single-use";
    }
  }, 120_000);
});
