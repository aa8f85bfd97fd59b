import { appendFile, rm } from "node:fs/promises";
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
});
