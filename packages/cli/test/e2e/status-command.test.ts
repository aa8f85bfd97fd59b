import { appendFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWorkspace, runPartnerd, storedToken, useFakeEntra } from "./harness.ts";

const fake = useFakeEntra();

describe("partnerd status", () => {
  it("shows last refresh, next run and days until the token expires if unused; exit 1 once consent is needed", async () => {
    const ws = await createWorkspace(fake.entra);
    const before = await runPartnerd(["status", "--json", "-c", ws.configPath]);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject([{ profile: "pc", health: "never-refreshed" }]);

    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    const healthy = await runPartnerd(["status", "--json", "-c", ws.configPath]);
    expect(healthy.code).toBe(0);
    const [report] = JSON.parse(healthy.stdout);
    expect(report).toMatchObject({
      profile: "pc",
      health: "ok",
      journalPending: false,
      flow: "refresh-token",
    });
    expect(report.daysUntilInactivityExpiry).toBeGreaterThanOrEqual(89);
    expect(Date.parse(report.nextRunAt)).toBeGreaterThan(Date.now() - 1000);
    expect(Date.parse(report.lastSuccessAt)).toBeLessThanOrEqual(Date.now());

    const text = await runPartnerd(["status", "-c", ws.configPath]);
    expect(text.stdout.split("\n")[0]).toMatch(
      /^PROFILE\s+HEALTH\s+LAST REFRESH\s+NEXT RUN\s+EXPIRES IF UNUSED IN/,
    );
    expect(text.stdout).toMatch(/^pc\s+ok\s+\S+\s+\S+\s+(89|90) days$/m);

    // The window is the profile's: another provider's tokens may die sooner.
    await appendFile(ws.configPath, "    inactivityDays: 14\n");
    const shorter = JSON.parse((await runPartnerd(["status", "--json", "-c", ws.configPath])).stdout)[0];
    expect([13, 14]).toContain(shorter.daysUntilInactivityExpiry);

    fake.entra.expireRefreshToken((await storedToken(ws.secretsDir))!);
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(1);
    const broken = await runPartnerd(["status", "--json", "-c", ws.configPath]);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)[0]).toMatchObject({ health: "needs-consent" });
    expect(JSON.parse(broken.stdout)[0].lastError).toContain("AADSTS700082");
    expect(JSON.parse(broken.stdout)[0]).toMatchObject({ refreshTokenRejected: true });

    // A monitoring check without the app's secret still gets the report; a refused token shows "rejected".
    await rm(join(ws.dir, "client-secret"));
    const monitoring = await runPartnerd(["status", "-c", ws.configPath]);
    expect(monitoring.code).toBe(1);
    expect(monitoring.stdout).toMatch(/^pc\s+needs-consent\s+\S+\s+\S+\s+rejected\s+AADSTS700082/m);
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).stderr).toContain("client-secret");
  });

  it("found by search, reads the state folder ahead: a damaged status is set aside and warned about, a pending journal shown", async () => {
    const ws = await createWorkspace(fake.entra);
    // Only a large config is worth a worker: this one's state folder is read after it loads.
    const small = await runPartnerd(["status", "--log-level", "debug"], { cwd: ws.dir });
    expect(small.stderr).toContain("state folder read after the config loaded");
    await appendFile(ws.configPath, "# padding to the size of ~2,000 profiles\n".repeat(15_000));
    for (const folder of ["status", "journal"]) await mkdir(join(ws.stateDir, folder), { recursive: true });
    await writeFile(join(ws.stateDir, "status", "pc.json"), '{"lastSuccessAt": "2026-');
    await writeFile(join(ws.stateDir, "journal", "pc.json"), "{}");
    const damaged = await runPartnerd(["status", "--log-level", "debug"], { cwd: ws.dir });
    expect(damaged.code).toBe(0);
    expect(damaged.stdout).toMatch(/^pc\s+never-refreshed \(write pending\)\s+-\s+\S+\s+-$/m);
    expect(damaged.stderr).toContain("state folder read while the config loaded");
    expect(damaged.stderr).toContain("the profile status file is damaged; set aside");
    expect(await readdir(join(ws.stateDir, "status"))).toEqual(["pc.json.corrupt"]);

    // A state folder written in a way the read ahead cannot guess is read after the config, as before.
    await rm(join(ws.stateDir, "journal", "pc.json"));
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath])).code).toBe(0);
    const config = await readFile(ws.configPath, "utf8");
    await writeFile(ws.configPath, config.replace("stateDir: ./state", 'stateDir: "./st\\u0061te"'));
    const escaped = await runPartnerd(["status", "--log-level", "debug", "-c", ws.configPath]);
    expect(escaped.stderr).toContain("state folder read after the config loaded");
    expect(escaped.stdout).toMatch(/^pc\s+ok\s+\S+\s+\S+\s+(89|90) days$/m);
  });
});
