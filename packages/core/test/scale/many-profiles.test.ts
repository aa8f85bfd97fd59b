/**
 * The shortcuts that make config loading and `status` linear in the number of profiles keep their
 * answers: duplicate keys still found, a shared secret file still read, warnings still located.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { PartnerdConfig } from "../../src/config/types.ts";
import { profileReports } from "../../src/engine/profile-report.ts";
import { writeRateWarnings } from "../../src/schedule/write-rate.ts";
import type { StorePlugin } from "../../src/stores/contract.ts";
import { mapConcurrent } from "../../src/util/map-concurrent.ts";
import { brief, cleanEnv, testdir } from "../config/helpers.ts";

const profile = (name: string, extra: string[] = [], schedule = "*/5 * * * *") => [
  `  ${name}:`,
  "    applicationId: a",
  "    scopes: [s]",
  `    schedule: "${schedule}"`,
  "    clientSecret: { file: shared-secret }",
  ...extra,
];

async function load(dir: string, lines: string[]) {
  const file = join(dir, "partnerd.yaml");
  const text = `stateDir: ./state\nprofiles:\n${lines.join("\n")}\n`;
  await writeFile(file, text);
  return parseConfig(text, { file, env: cleanEnv() });
}

describe("config with many profiles", () => {
  it("still reports every duplicate profile and key, at the repeated key", async () => {
    const dir = await testdir({ "shared-secret": "s3cret\n" });
    const names = Array.from({ length: 300 }, (_, i) => `p${i}`);
    const lines = [
      ...names.flatMap((n) => profile(n)),
      ...profile("p7"),
      ...profile("p42", ["    scopes: [t]"]),
    ];
    const result = await parseConfig(`profiles:\n${lines.join("\n")}\n`, {
      file: join(dir, "partnerd.yaml"),
    });
    expect(result.config).toBeUndefined();
    expect(brief(result.errors ?? [])).toEqual([
      `${2 + 300 * 5}:3 profiles: duplicate key "p7"`,
      `${2 + 301 * 5}:3 profiles: duplicate key "p42"`,
      `${2 + 301 * 5 + 5}:5 profiles.p42: duplicate key "scopes"`,
    ]);
  });

  it("gives every profile the secret of a file they share, and locates issues after loading", async () => {
    const dir = await testdir({ "shared-secret": "s3cret\n" });
    const result = await load(dir, [...profile("a"), ...profile("b"), ...profile("c")]);
    const config = result.config!;
    for (const name of ["a", "b", "c"]) {
      const source = config.profiles[name]!.clientSecret;
      expect(source?.kind === "value" && source.secret.reveal()).toBe("s3cret");
    }
    expect(config.locate("profiles.b.schedule")).toMatchObject({ line: 11, path: "profiles.b.schedule" });
  });

  it("reports a missing shared secret file at every profile that names it", async () => {
    const dir = await testdir();
    const result = await load(dir, [...profile("a"), ...profile("b")]);
    expect(brief(result.errors ?? []).map((e) => e.replace(dir, "<dir>"))).toEqual([
      "7:27 profiles.a.clientSecret.file: cannot read secret file <dir>/shared-secret (no such file)",
      "12:27 profiles.b.clientSecret.file: cannot read secret file <dir>/shared-secret (no such file)",
    ]);
  });

  it("runs the profile rules in one pass, reporting each rule's issues for every profile", async () => {
    const dir = await testdir({ "shared-secret": "s3cret\n" });
    const names = Array.from({ length: 600 }, (_, i) => `p${i}`);
    const broken: Record<string, string[]> = {
      p10: ["    environment: AzureCloud", "    authority: https://login.example.com"],
      p11: ["    refreshToken: [{ store: nope }, { store: nope }]"],
      p12: ["    refreshToken: { name: p13 }"],
      p13: ["    retry: { initialDelayMs: 5000, maxDelayMs: 10 }", "    expiringAfterDays: 90"],
      p14: ["    refreshToken: { name: ../escape }", "    protocol: oidc"],
      p500: ["    flow: client-credentials", "    tenant: common"],
    };
    const lines = names.flatMap((n) => profile(n, broken[n] ?? []));
    // A profile without a schedule: a warning, located.
    lines.push("  quiet:", "    applicationId: a", "    scopes: [s]");
    const result = await load(dir, lines);
    expect(brief(result.errors ?? [])).toEqual([
      "59:16 profiles.p10.authority: set either environment or authority, not both",
      '65:29 profiles.p11.refreshToken.0.store: unknown store "nope" (defined: default)',
      '65:37 profiles.p11.refreshToken.1: store "nope", name "p11" is listed twice',
      '65:46 profiles.p11.refreshToken.1.store: unknown store "nope" (defined: default)',
      '72:3 profiles.p13.refreshToken: store "default", name "p13" already holds profile p12\'s refresh token; the two would overwrite each other',
      "77:30 profiles.p13.retry.initialDelayMs: is larger than maxDelayMs (10)",
      "78:24 profiles.p13.expiringAfterDays: must be less than inactivityDays (90), or the token dies before the warning",
      '84:27 profiles.p14.refreshToken.name: "../escape" is a path; expected a secret name (no leading "/", no ".." segments)',
      "85:15 profiles.p14.protocol: only applies with `authority` (the identity provider's URL)",
      '2513:13 profiles.p500.scopes: client-credentials takes one scope ending in "/.default", e.g. https://graph.microsoft.com/.default',
      '2517:13 profiles.p500.tenant: client-credentials needs a tenant id or domain, not "common"',
    ]);
    // (Besides the shared secret file's mode, warned about at each profile.)
    expect(brief(result.warnings).filter((w) => !w.includes("clientSecret.file"))).toEqual([
      "3013:3 profiles.quiet: has no schedule; `partnerd run` will not refresh it",
    ]);
  });

  it("warns about write rates only for stores that advise one, once per profile", async () => {
    const dir = await testdir({ "shared-secret": "s3cret\n" });
    const result = await load(dir, [
      ...profile("fast"),
      "    refreshToken: [{ store: aws }, { store: default }]",
      ...profile("slow", ["    refreshToken: { store: aws }"], "0 3 * * *"),
      "stores:",
      "  aws: { use: aws-like }",
    ]);
    expect(result.errors).toBeUndefined();
    const config = result.config as PartnerdConfig;
    const plugin = (capabilities: StorePlugin["capabilities"]) => ({ capabilities }) as StorePlugin;
    const plugins = new Map([
      ["aws", plugin({ minWriteIntervalSeconds: 600 })],
      ["default", plugin({})],
    ]);
    expect(writeRateWarnings(config, plugins).map((w) => `${w.line} ${w.path}: ${w.message}`)).toEqual([
      '6 profiles.fast.schedule: writes store "aws" every 300 s; that store advises at most one write every 600 s (each write is a new version)',
    ]);
    expect(writeRateWarnings(config, new Map([["default", plugin({})]]))).toEqual([]);
  });
});

describe("status with many profiles", () => {
  it("reads each profile's status, pending journal and failed hooks, in config order", async () => {
    const dir = await testdir({ "shared-secret": "s3cret\n" });
    // More than are read between two yields to the event loop.
    const names = Array.from({ length: 1200 }, (_, i) => `p${i}`);
    const config = (
      await load(
        dir,
        names.flatMap((n) => profile(n)),
      )
    ).config!;
    const state = join(dir, "state");
    for (const folder of ["status", "journal", "events"])
      await mkdir(join(state, folder), { recursive: true });
    await writeFile(
      join(state, "status", "p3.json"),
      JSON.stringify({ lastSuccessAt: "2026-01-01T00:00:00Z" }),
    );
    await writeFile(join(state, "status", "p4.json"), JSON.stringify({ needsConsent: true }));
    // Larger than the read buffer, damaged (set aside by the status book, as before), the last one.
    const longError = { kind: "transient", code: "x", message: "e".repeat(100_000) };
    await writeFile(join(state, "status", "p8.json"), JSON.stringify({ lastError: longError }));
    await writeFile(join(state, "status", "p9.json"), "{ torn");
    await writeFile(
      join(state, "status", "p1199.json"),
      JSON.stringify({ lastSuccessAt: "2026-01-01T00:00:00Z" }),
    );
    await writeFile(join(state, "journal", "p5.json"), "{}");
    const failure = { hook: "h", event: "refreshed", error: "boom", at: "2026-01-01T00:00:00Z" };
    await writeFile(join(state, "events", "p6.json"), JSON.stringify({ failedHooks: { h: failure } }));
    const now = new Date("2026-01-02T00:01:00Z");
    const reports = await profileReports(config, now);
    expect(reports.map((r) => r.profile)).toEqual(names);
    expect(reports[3]).toMatchObject({ health: "ok", lastSuccessAt: "2026-01-01T00:00:00Z" });
    expect(reports[4]!.health).toBe("needs-consent");
    expect(reports.filter((r) => r.journalPending).map((r) => r.profile)).toEqual(["p5"]);
    expect(reports.filter((r) => r.failedHooks.length > 0).map((r) => r.failedHooks)).toEqual([[failure]]);
    expect(reports[0]!.nextRunAt).toBe("2026-01-02T00:05:00.000Z");
    expect(reports[8]).toMatchObject({ health: "failing", lastError: longError.message });
    expect(reports[9]!.health).toBe("never-refreshed");
    expect(await readFile(join(state, "status", "p9.json.corrupt"), "utf8")).toBe("{ torn");
    expect(reports[1199]!.health).toBe("ok");
  });
});

describe("mapConcurrent", () => {
  it("keeps the order of its input and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrent([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return `${i}:${n}`;
    });
    expect(results).toEqual(["0:5", "1:1", "2:4", "3:2", "4:3", "5:0", "6:6"]);
    expect(most).toBe(3);
  });
});
