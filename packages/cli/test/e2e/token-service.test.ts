import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { ManagedIdentityCredential } from "@azure/identity";
import { afterEach, describe, expect, it } from "vitest";
import {
  AUTH_RESULT_KEYS,
  createWorkspace,
  PartnerdProcess,
  runPartnerd,
  storedToken,
  useFakeEntra,
  userProfileLines,
} from "./harness.ts";
import { socketRequest } from "./socket.ts";

const fake = useFakeEntra();
const RECORD_MODULES = new URL("./fixtures/record-modules.mjs", import.meta.url).href;
const daemons: PartnerdProcess[] = [];

afterEach(async () => {
  for (const daemon of daemons.splice(0)) {
    daemon.child.kill("SIGKILL");
    await daemon.exited;
  }
});

/** A workspace whose profile refreshes once a year, so only token requests reach the provider. */
async function quietWorkspace(extraYaml = "") {
  return createWorkspace(fake.entra, {
    profileYaml: ({ clientId }) =>
      [...userProfileLines(fake.entra, clientId), '    schedule: "0 0 1 1 *"', extraYaml].join("\n"),
  });
}

/**
 * Starts `partnerd run`. A profile that never succeeded is caught up at start (one refresh, whose access
 * token the daemon keeps); `catchUp: false` when the state folder already has a success.
 */
async function startDaemon(configPath: string, { catchUp = true } = {}): Promise<PartnerdProcess> {
  const daemon = new PartnerdProcess(["run", "-c", configPath]);
  daemons.push(daemon);
  await daemon.waitForLogs((l) => l.msg === "serving access tokens");
  if (catchUp) await daemon.waitForLogs((l) => l.msg === "refresh token redeemed and stored");
  return daemon;
}

const jwtClaims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

describe("the daemon's token service", () => {
  it("serves `partnerd token` from its cache: no call reaches the identity provider again", async () => {
    const ws = await quietWorkspace();
    const seeded = await storedToken(ws.secretsDir);
    const daemon = await startDaemon(ws.configPath);
    const rotated = await storedToken(ws.secretsDir);
    expect(rotated).not.toBe(seeded);
    expect(fake.entra.isValidRefreshToken(rotated!)).toBe(true);
    const before = fake.entra.tokenRequests.length;

    // The start-up refresh left its access token in the daemon's cache.
    const first = await runPartnerd(["token", "pc", "--json", "-c", ws.configPath], { stdoutIsResult: true });
    expect(first.code).toBe(0);
    const second = await runPartnerd(["token", "pc", "--json", "-c", ws.configPath], {
      stdoutIsResult: true,
    });
    expect(second.code).toBe(0);
    expect(fake.entra.tokenRequests.length).toBe(before);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
    expect(Object.keys(JSON.parse(first.stdout))).toEqual(AUTH_RESULT_KEYS);
    // The cached path loads neither msal-node nor the stores: it only asks the daemon.
    const modules = join(ws.dir, "modules.txt");
    const plain = await runPartnerd(["token", "pc", "-c", ws.configPath], {
      stdoutIsResult: true,
      nodeArgs: ["--import", RECORD_MODULES],
      env: { RECORD_MODULES_TO: modules },
    });
    const loaded = await readFile(modules, "utf8");
    expect(loaded).toContain("/daemon-client.ts");
    expect(loaded).not.toMatch(/msal-node|store-file|store-keyvault|@azure\/identity|zod/);
    expect(plain.stdout).toBe(`${JSON.parse(first.stdout).AccessToken}\n`);

    // Other scopes miss once (one redemption, its rotated token stored), then hit.
    const graph = ["token", "pc", "--scopes", "https://graph.microsoft.com/.default", "-c", ws.configPath];
    const graphFirst = await runPartnerd(graph, { stdoutIsResult: true });
    expect(fake.entra.tokenRequests.length).toBe(before + 1);
    expect(await storedToken(ws.secretsDir)).not.toBe(rotated);
    const graphSecond = await runPartnerd(graph, { stdoutIsResult: true });
    expect(graphSecond.stdout).toBe(graphFirst.stdout);
    expect(fake.entra.tokenRequests.length).toBe(before + 1);
    expect(daemon.child.exitCode).toBeNull();
    // The socket is the daemon's user's alone.
    expect((await stat(join(ws.stateDir, "partnerd.sock"))).mode & 0o777).toBe(0o600);
  });

  it("a second `partnerd run` on the same state folder refuses and names the first (exit 1)", async () => {
    const ws = await quietWorkspace();
    const daemon = await startDaemon(ws.configPath);
    const second = await runPartnerd(["run", "-c", ws.configPath]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `partnerd: the state folder ${ws.stateDir} is locked by pid ${daemon.child.pid} on `,
    );
    expect(second.stderr).toContain("(partnerd run), since 20");
    expect(second.stderr).toContain('another "partnerd run" owns it');
    expect(daemon.child.exitCode).toBeNull();
    await access(join(ws.stateDir, "partnerd.sock"));
  });

  it("answers bad requests with a specific error and changes nothing stored", async () => {
    const ws = await quietWorkspace();
    fake.entra.reachableTenants = [];
    try {
      await startDaemon(ws.configPath);
      const stored = await storedToken(ws.secretsDir);
      const unknown = await socketRequest(ws.stateDir, "POST", "/v1/token", '{"profile":"nope"}');
      expect(unknown).toMatchObject({ status: 404, json: { error: { code: "PROFILE_UNKNOWN" } } });
      expect(unknown.json.error.message).toBe('no profile "nope" in the config (profiles: pc)');
      const malformed = await socketRequest(ws.stateDir, "POST", "/v1/token", "{profile");
      expect(malformed.status).toBe(400);
      expect(malformed.json.error.code).toBe("MALFORMED_JSON");
      const extra = await socketRequest(ws.stateDir, "POST", "/v1/token", '{"profile":"pc","tenat":"x"}');
      expect(extra.json.error.message).toBe("unknown field(s) tenat; expected profile, tenant, scopes");
      const wrongMethod = await socketRequest(ws.stateDir, "GET", "/v1/token");
      expect(wrongMethod.status).toBe(405);
      const stranger = randomUUID();
      const unreachable = await socketRequest(
        ws.stateDir,
        "POST",
        "/v1/token",
        JSON.stringify({ profile: "pc", tenant: stranger }),
      );
      expect(unreachable.status).toBe(502);
      expect(unreachable.json.error.message).toContain(`AADSTS50020`);
      expect(unreachable.json.error.message).toContain(`does not exist in tenant '${stranger}'`);

      const cli = await runPartnerd(["token", "nope", "-c", ws.configPath], { stdoutIsResult: true });
      expect(cli.code).toBe(2);
      expect(cli.stderr).toBe(
        'partnerd: partnerd run could not answer: no profile "nope" in the config (profiles: pc)\n',
      );

      expect(await storedToken(ws.secretsDir)).toBe(stored);
      const health = await socketRequest(ws.stateDir, "GET", "/v1/status");
      expect(health.json).toMatchObject([{ profile: "pc", health: "ok" }]);
    } finally {
      fake.entra.reachableTenants = undefined;
    }
  });

  it("one consent, tokens for every customer tenant; the partner's own chain stays alive", async () => {
    const ws = await quietWorkspace();
    const [customerA, customerB] = [randomUUID(), randomUUID()];
    fake.entra.reachableTenants = [customerA, customerB];
    try {
      await startDaemon(ws.configPath);
      const viaDaemon = await runPartnerd(
        ["token", "pc", "--tenant", customerA, "--json", "-c", ws.configPath],
        {
          stdoutIsResult: true,
        },
      );
      expect(viaDaemon.code).toBe(0);
      expect(JSON.parse(viaDaemon.stdout).TenantId).toBe(customerA);
      expect(jwtClaims(JSON.parse(viaDaemon.stdout).AccessToken).tid).toBe(customerA);

      const graph = await runPartnerd(
        [
          "token",
          "pc",
          "--tenant",
          customerA,
          "--scopes",
          "https://graph.microsoft.com/.default",
          "--json",
          "-c",
          ws.configPath,
        ],
        { stdoutIsResult: true },
      );
      expect(jwtClaims(JSON.parse(graph.stdout).AccessToken).aud).toBe("https://graph.microsoft.com");

      for (const daemon of daemons.splice(0)) {
        daemon.child.kill("SIGTERM");
        await daemon.exited;
      }
      const direct = await runPartnerd(
        ["token", "pc", "--tenant", customerB, "--json", "-c", ws.configPath],
        {
          stdoutIsResult: true,
        },
      );
      expect(direct.code).toBe(0);
      expect(JSON.parse(direct.stdout).TenantId).toBe(customerB);

      const unreachable = await runPartnerd(["token", "pc", "--tenant", randomUUID(), "-c", ws.configPath], {
        stdoutIsResult: true,
      });
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain("AADSTS50020");

      // Every customer-tenant redemption rotated the partner's chain; the newest one is in the store.
      const stored = await storedToken(ws.secretsDir);
      expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
      const status = await runPartnerd(["status", "--json", "-c", ws.configPath]);
      expect(JSON.parse(status.stdout)[0].health).not.toBe("needs-consent");
      const refresh = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
      expect(refresh.code).toBe(0);
    } finally {
      fake.entra.reachableTenants = undefined;
    }
  });

  it("a crashed daemon's socket: `token` falls back to redeeming itself, the next `run` replaces it", async () => {
    const ws = await quietWorkspace();
    const crashed = await startDaemon(ws.configPath);
    crashed.child.kill("SIGKILL");
    await crashed.exited;
    await access(join(ws.stateDir, "partnerd.sock"));

    const fallback = await runPartnerd(["token", "pc", "-c", ws.configPath], { stdoutIsResult: true });
    expect(fallback.code).toBe(0);
    expect(fallback.stdout.trim().split(".")).toHaveLength(3);

    await startDaemon(ws.configPath, { catchUp: false });
    const before = fake.entra.tokenRequests.length;
    const served = await runPartnerd(["token", "pc", "-c", ws.configPath], { stdoutIsResult: true });
    expect(served.code).toBe(0);
    expect(fake.entra.tokenRequests.length).toBe(before + 1);
  });

  it("a request while the daemon stops: its redemption finishes, a late client redeems after it", async () => {
    const ws = await quietWorkspace();
    const daemon = await startDaemon(ws.configPath);
    const held = fake.entra.hold();
    const graph = ["token", "pc", "--scopes", "https://graph.microsoft.com/.default", "-c", ws.configPath];
    const inFlight = runPartnerd(graph, { stdoutIsResult: true });
    await held.arrived;
    daemon.child.kill("SIGTERM");
    await daemon.waitForLogs((l) => l.msg.startsWith("stopping"));
    const late = new PartnerdProcess(["token", "pc", "-c", ws.configPath, "--log-level", "debug"], {
      stdoutIsResult: true,
    });
    // The late client finds no daemon to ask and waits for the profile's lock, which the daemon holds
    // until its held redemption is persisted: it cannot finish before that.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(late.child.exitCode).toBeNull();
    held.release();
    expect((await daemon.exited).code).toBe(0);
    expect((await inFlight).code).toBe(0);
    expect((await late.exited).code).toBe(0);
    expect(late.stdout.trim().split(".")).toHaveLength(3);
    expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
  });

  it("a managed-identity port in use is a clear error, and nothing is left listening", async () => {
    const ws = await quietWorkspace();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const { writeFile } = await import("node:fs/promises");
      const config = `${await readFile(ws.configPath, "utf8")}server:\n  managedIdentity: { listen: "127.0.0.1:${port}" }\n`;
      await writeFile(ws.configPath, config);
      const result = await runPartnerd(["run", "-c", ws.configPath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `partnerd: server.managedIdentity.listen 127.0.0.1:${port}: cannot listen (EADDRINUSE)\n`,
      );
      expect(existsSync(join(ws.stateDir, "partnerd.sock"))).toBe(false);
    } finally {
      busy.close();
    }
  });

  it("answers ManagedIdentityCredential from @azure/identity; a wrong header is refused", async () => {
    const ws = await quietWorkspace();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      ws.configPath,
      `${await readFile(ws.configPath, "utf8")}server:\n  managedIdentity: {}\n`,
    );
    const daemon = await startDaemon(ws.configPath);
    const envFile = join(ws.stateDir, "managed-identity.env");
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries(
      (await readFile(envFile, "utf8"))
        .trim()
        .split("\n")
        .map((line) => line.split("=", 2) as [string, string]),
    );
    expect(env.IDENTITY_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    expect(daemon.stdout).not.toContain(env.IDENTITY_HEADER);

    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = env.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = env.IDENTITY_HEADER;
    try {
      const credential = new ManagedIdentityCredential({ clientId: ws.clientId });
      const token = await credential.getToken("https://vault.azure.net/.default");
      expect(jwtClaims(token.token).aud).toBe("https://vault.azure.net");
      expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 5 * 60_000);
    } finally {
      process.env.IDENTITY_ENDPOINT = saved.endpoint;
      process.env.IDENTITY_HEADER = saved.header;
      if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
      if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
    }
    const url = `${env.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=https://vault.azure.net`;
    const wrong = await fetch(url, { headers: { "X-IDENTITY-HEADER": "not-the-secret" } });
    expect(wrong.status).toBe(401);
    const missing = await fetch(url);
    expect(missing.status).toBe(401);
    const right = await fetch(url, { headers: { "X-IDENTITY-HEADER": env.IDENTITY_HEADER! } });
    expect(right.status).toBe(200);
    expect(((await right.json()) as { client_id: string }).client_id).toBe(ws.clientId);
  });
});
