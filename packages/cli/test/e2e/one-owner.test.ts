import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RotationProbe } from "@partnerd/testkit";
import { StrictOidcProvider } from "@partnerd/testkit/oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canaries,
  createWorkspace,
  PartnerdProcess,
  runPartnerd,
  seedToken,
  storedToken,
  useFakeEntra,
} from "./harness.ts";

// Strict rotation, as oidc-provider, Okta and Auth0 do it: a spent refresh token presented again
// revokes the whole grant. Any second redeemer racing the first kills it.
const fake = useFakeEntra({ rotation: "reuse-revokes-grant" });
let oidc: StrictOidcProvider;

beforeAll(async () => {
  oidc = await StrictOidcProvider.start();
});
afterAll(async () => {
  await oidc.close();
});

const CLIENTS = 100;
const CRASH_COMPLETED = "file store: completed a write that a crash interrupted";
/** What the daemon says when a racing client holds the profile as its schedule fires. */
const EXPECTED_WHILE_RACING = new Set([
  "skipped a scheduled run: the previous one is still going",
  "skipped: another process holds the profile",
]);

function clients(configPath: string, count: number) {
  return Array.from({ length: count }, (_, i) =>
    runPartnerd([i % 2 === 0 ? "token" : "refresh", "pc", "-c", configPath], {
      stdoutIsResult: i % 2 === 0,
      env: { PARTNERD_LOG_LEVEL: "warn" },
    }),
  );
}

/** The daemon plus `count` clients and a second `run`; every client succeeds and the second run refuses. */
async function race(configPath: string, count: number): Promise<void> {
  const daemon = new PartnerdProcess(["run", "-c", configPath]);
  await daemon.waitForLogs((l) => l.msg === "serving access tokens");
  const [second, ...results] = await Promise.all([
    runPartnerd(["run", "-c", configPath]),
    ...clients(configPath, count),
  ]);
  expect(second!.code).toBe(1);
  expect(second!.stderr).toContain(`locked by pid ${daemon.child.pid}`);
  for (const result of results)
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  await daemon.waitForLogs((l) => l.msg === "refresh token redeemed and stored", 2);
  await stop(daemon);
  // The daemon loses every race for the lock quietly: no write of its failed, nothing went wrong.
  const complaints = daemon.logs.filter((l) => l.level !== "info" && l.level !== "debug");
  expect(complaints.filter((l) => !EXPECTED_WHILE_RACING.has(l.msg))).toEqual([]);
}

/** The grant is alive, no token was presented twice, and the store holds the newest one issued. */
async function expectGrantIntact(provider: RotationProbe, stored: string | undefined, configPath: string) {
  expect(provider.reusedRefreshTokens()).toEqual([]);
  expect(await provider.isGrantAlive(stored!)).toBe(true);
  expect(provider.newestRefreshToken(stored!)).toBe(stored);
  const status = JSON.parse((await runPartnerd(["status", "--json", "-c", configPath])).stdout);
  expect(status[0]).toMatchObject({ health: "ok", journalPending: false });
}

async function stop(daemon: PartnerdProcess): Promise<void> {
  daemon.child.kill("SIGTERM");
  expect((await daemon.exited).code).toBe(0);
}

describe("one owner per refresh token", () => {
  it(`a daemon on a 1 s schedule, ${CLIENTS} concurrent token/refresh processes and a second run: the grant survives`, async () => {
    const ws = await createWorkspace(fake.entra);
    const firstRequest = fake.entra.tokenRequests.length;
    await race(ws.configPath, CLIENTS);
    expect(fake.entra.tokenRequests.slice(firstRequest).filter((r) => r.status !== 200)).toEqual([]);
    await expectGrantIntact(fake.entra, await storedToken(ws.secretsDir), ws.configPath);
  }, 120_000);

  it("the same race against panva's oidc-provider, a certified provider we did not write", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-oidc-"));
    await chmod(dir, 0o700);
    await oidc.writeCaFile(join(dir, "ca.pem"));
    await writeFile(join(dir, "client-secret"), oidc.clientSecret!, { mode: 0o600 });
    const seeded = await oidc.seed();
    canaries.add(seeded);
    canaries.add(oidc.clientSecret!);
    await seedToken(join(dir, "state", "secrets"), "pc", seeded);
    const configPath = join(dir, "partnerd.yaml");
    await writeFile(
      configPath,
      [
        "stateDir: ./state",
        "network: { caFile: ./ca.pem }",
        "profiles:",
        "  pc:",
        `    applicationId: ${oidc.clientId}`,
        "    clientSecret: { file: ./client-secret }",
        `    authority: ${oidc.issuer}`,
        "    protocol: oidc",
        `    scopes: [${oidc.scope}]`,
        '    schedule: "* * * * * *"',
        "    retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 }",
        "",
      ].join("\n"),
    );
    await race(configPath, 40);
    await expectGrantIntact(oidc, await storedToken(join(dir, "state", "secrets")), configPath);
  }, 120_000);

  it("kill -9 of the daemon in the middle: its locks are recovered and nothing is lost", async () => {
    fake.entra.rotation = "keep-old";
    try {
      const ws = await createWorkspace(fake.entra);
      const daemon = new PartnerdProcess(["run", "-c", ws.configPath]);
      await daemon.waitForLogs((l) => l.msg === "serving access tokens");
      const running = clients(ws.configPath, 40);
      await daemon.waitForLogs((l) => l.msg === "refresh token redeemed and stored");
      daemon.child.kill("SIGKILL");
      await daemon.exited;
      const successor = new PartnerdProcess(["run", "-c", ws.configPath]);
      await successor.waitForLogs((l) => l.msg === "serving access tokens");
      const results = await Promise.all(running);
      // The kill may land between the store write's fsync and its rename; then the first process to
      // take the dead holder's lock completes that write, says so once, and nothing else is logged.
      const completions = results.flatMap((result) => {
        expect(result.code).toBe(0);
        const lines = result.stderr.split("\n").filter(Boolean);
        for (const line of lines)
          expect(JSON.parse(line)).toMatchObject({ level: "warn", msg: CRASH_COMPLETED });
        return lines;
      });
      expect(completions.length).toBeLessThanOrEqual(1);
      await stop(successor);

      const stored = await storedToken(ws.secretsDir);
      expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
      const status = JSON.parse((await runPartnerd(["status", "--json", "-c", ws.configPath])).stdout);
      expect(status[0]).toMatchObject({ health: "ok", journalPending: false });
      expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    } finally {
      fake.entra.rotation = "reuse-revokes-grant";
    }
  }, 120_000);
});
