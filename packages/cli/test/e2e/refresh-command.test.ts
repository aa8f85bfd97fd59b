import { chmod, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWorkspace, runPartnerd, seedToken, storedToken, useFakeEntra } from "./harness.ts";

const fake = useFakeEntra();

describe("partnerd refresh", () => {
  it("redeems once, stores the rotated token and exits 0", async () => {
    const ws = await createWorkspace(fake.entra);
    const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(result.code).toBe(0);
    expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
    const status = JSON.parse(await readFile(join(ws.stateDir, "status", "pc.json"), "utf8"));
    expect(status).toMatchObject({ lastSuccessAt: expect.any(String), fingerprint: expect.any(String) });
  });

  it("works with a public client (no client secret)", async () => {
    const ws = await createWorkspace(fake.entra, { confidential: false });
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
  });

  it("retries transient failures (503 with Retry-After) and then succeeds", async () => {
    const ws = await createWorkspace(fake.entra);
    fake.entra.failNext(2, { status: 503, retryAfterSeconds: 0 });
    const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(result.code).toBe(0);
    expect(result.logs.filter((l) => l.msg === "transient failure; retrying")).toHaveLength(2);
  });

  it("a token Entra rejects (AADSTS700082) marks the profile as needing consent, leaves the store alone, and is not retried", async () => {
    const ws = await createWorkspace(fake.entra);
    const seeded = (await storedToken(ws.secretsDir))!;
    fake.entra.expireRefreshToken(seeded);
    const before = fake.entra.tokenRequests.length;

    const first = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(first.code).toBe(1);
    const failure = first.logs.find((l) => l.level === "error");
    expect(failure).toMatchObject({ msg: "refresh failed; needs consent", aadsts: 700082, kind: "terminal" });
    expect(String(failure?.hint)).toContain("partnerd login pc");
    expect(fake.entra.tokenRequests.length - before).toBe(1);
    expect(await storedToken(ws.secretsDir)).toBe(seeded);

    const second = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(second.code).toBe(1);
    expect(second.logs.some((l) => l.msg.startsWith("skipped: the stored refresh token was rejected"))).toBe(
      true,
    );
    expect(fake.entra.tokenRequests.length - before).toBe(1);

    // A person consents again (a new token lands in the store): partnerd picks it up.
    await seedToken(ws.secretsDir, "pc", fake.entra.issueRefreshToken({ clientId: ws.clientId }));
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    const status = JSON.parse(await readFile(join(ws.stateDir, "status", "pc.json"), "utf8"));
    expect(status.needsConsent).toBeUndefined();
  });

  it("a missing refresh token fails with a message naming the store and secret", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(result.code).toBe(1);
    expect(result.logs.find((l) => l.level === "error")?.error).toBe(
      'the refresh token ("pc" in store "default") is missing',
    );
  });

  it("an empty refresh token fails and nothing is written", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    await seedToken(ws.secretsDir, "pc", "");
    const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(result.code).toBe(1);
    expect(result.logs.find((l) => l.level === "error")?.error).toContain("is empty");
    expect(await storedToken(ws.secretsDir)).toBe("");
  });

  it("an unknown profile is a usage error (exit 2)", async () => {
    const ws = await createWorkspace(fake.entra);
    const result = await runPartnerd(["refresh", "nope", "-c", ws.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('partnerd: no profile "nope" in the config (profiles: pc)\n');
  });

  it("a store folder others can read is refused with exit 2 and nothing is written", async () => {
    const ws = await createWorkspace(fake.entra);
    const seeded = await storedToken(ws.secretsDir);
    await chmod(ws.secretsDir, 0o755);
    const before = fake.entra.tokenRequests.length;
    const result = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(ws.secretsDir);
    expect(result.stderr).toContain("chmod 700");
    expect(fake.entra.tokenRequests.length).toBe(before);
    await chmod(ws.secretsDir, 0o700);
    expect(await storedToken(ws.secretsDir)).toBe(seeded);
  });
});
