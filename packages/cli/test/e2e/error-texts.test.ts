/**
 * Errors say the real cause: the identity provider unreachable (refused, TLS, silent) is named as such,
 * not as msal's endpoints_resolution_error.
 */

import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, runPartnerd, seedToken, useFakeEntra, userProfileLines } from "./harness.ts";

const fake = useFakeEntra();

/** A TCP port that accepts connections and never answers. */
let silent: Server;
let silentPort: number;
/** A port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => {
  silent.close();
});

/**
 * A workspace whose profile points at `authority` instead of the fake, tried once, with a 500 ms timeout;
 * with `trustFake: false`, the fake's test CA is not trusted.
 */
async function workspaceAt(authority: string, { trustFake = true } = {}) {
  const ws = await createWorkspace(fake.entra, {
    profileYaml: ({ clientId }) =>
      [...userProfileLines(fake.entra, clientId), "    retry: { attempts: 1 }"]
        .join("\n")
        .replace(fake.entra.url, authority),
  });
  const text = await readFile(ws.configPath, "utf8");
  await writeFile(
    ws.configPath,
    text.replace("  caFile: ./ca.pem\n", `${trustFake ? "  caFile: ./ca.pem\n" : ""}  timeoutMs: 500\n`),
  );
  return ws;
}

describe("an unreachable identity provider", () => {
  it("refresh and token say connection refused, the TLS error, or the timeout", async () => {
    const cases = [
      [`https://127.0.0.1:${closedPort}`, true, `connection refused to 127.0.0.1:${closedPort}`],
      [fake.entra.url, false, `TLS error from 127.0.0.1:${new URL(fake.entra.url).port}`],
      [`https://127.0.0.1:${silentPort}`, true, `timed out after 0.5 s waiting for 127.0.0.1:${silentPort}`],
    ] as const;
    for (const [authority, trustFake, text] of cases) {
      const ws = await workspaceAt(authority, { trustFake });
      const refresh = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);

      expect(refresh.code).toBe(1);
      expect(refresh.stdout).toContain(text);
      const token = await runPartnerd(["token", "pc", "-c", ws.configPath], { stdoutIsResult: true });
      expect(token.code).toBe(1);
      expect(token.stdout).toBe("");
      expect(token.stderr).toContain(text);
      for (const output of [refresh.stdout, token.stderr]) {
        expect(output).not.toContain("endpoints_resolution_error");
        expect(output).not.toContain("needs consent");
      }
    }
  });
});

describe("a missing refresh token", () => {
  it("asks for a first consent when there never was one, and says 'again' only after one", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const first = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(first.code).toBe(1);
    const hint = String(first.logs.find((l) => l.level === "error")?.hint);
    expect(hint).toContain('no refresh token yet: a person consents once with "partnerd login pc"');
    expect(hint).not.toContain("again");

    // A token arrives and is redeemed; then it disappears from the store.
    await seedToken(ws.secretsDir, "pc", fake.entra.issueRefreshToken({ clientId: ws.clientId }));
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    await rm(join(ws.secretsDir, "pc"));
    const lost = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(lost.code).toBe(1);
    expect(String(lost.logs.find((l) => l.level === "error")?.hint)).toContain("a person must consent again");
  });
});
