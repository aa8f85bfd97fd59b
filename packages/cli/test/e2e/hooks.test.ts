import { createHmac } from "node:crypto";
import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestCa, type LoopbackServer, readBody, startLoopbackServer } from "@partnerd/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canary,
  createWorkspace,
  type LogLine,
  PartnerdProcess,
  runPartnerd,
  seedToken,
  useFakeEntra,
  userProfileLines,
  type Workspace,
  waitFor,
} from "./harness.ts";

const fake = useFakeEntra();

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A local HTTPS endpoint standing in for a webhook receiver, Teams and Slack; records every POST. */
const receiver = {} as { server: LoopbackServer; requests: Received[]; caPem: string };

beforeAll(async () => {
  const ca = await createTestCa();
  receiver.requests = [];
  receiver.caPem = ca.caPem;
  receiver.server = await startLoopbackServer({ port: 0, tls: ca }, async (req, res) => {
    receiver.requests.push({ path: req.url ?? "", headers: req.headers, body: await readBody(req) });
    res.writeHead(200).end("ok");
  });
});

afterAll(async () => {
  await receiver.server.close();
});

const fixture = (name: string) => new URL(`./fixtures/hooks/${name}`, import.meta.url);
const node = JSON.stringify(process.execPath);
const recorder = (file: string, tag: string, more = "") =>
  `{ command: [${node}, ./record.mjs, ./${file}, ${tag}]${more} }`;

async function prepare(ws: Workspace): Promise<void> {
  for (const name of ["record.mjs", "setup-throws.mjs", "handler-throws.mjs"]) {
    await copyFile(fixture(name), join(ws.dir, name));
  }
  await writeFile(join(ws.dir, "receiver-ca.pem"), receiver.caPem);
}

/** One run of record.mjs. */
interface Recorded {
  tag: string;
  env: Record<string, unknown>;
  payload: Record<string, unknown>;
}

async function jsonLines(path: string): Promise<Recorded[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Recorded);
}

const requestsTo = (prefix: string) => receiver.requests.filter((r) => r.path.startsWith(prefix));
const hookLogs = (p: PartnerdProcess, hook: string, msg: string) =>
  p.logs.filter((l) => l.hook === hook && l.msg === msg);

describe("hooks with the real daemon", () => {
  it("runs built-in and plugin hooks in order, isolated, with tokens only where asked", async () => {
    const hmacKey = canary("HMAC");
    const teamsKey = canary("TEAMSKEY");
    const ws = await createWorkspace(fake.entra, {
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          '    schedule: "*/2 * * * * *"',
          "    hooks:",
          `      - { name: profile-recorder, use: exec, options: ${recorder("order.jsonl", "profile")} }`,
          `      - { name: echo, use: exec, options: ${recorder("token.jsonl", "echo", ", includeAccessToken: true")} }`,
          `      - { name: env-check, use: exec, options: ${recorder("env.jsonl", "env", ", env: [HOOK_ALLOWED]")} }`,
          "      - { name: sink, use: file, options: { path: ./access-token.json, format: json, mode: '0640' } }",
          "      - name: signed",
          "        use: webhook",
          `        options: { url: ${receiver.server.baseUrl}/json, secret: { file: ./hmac-key }, caFile: ./receiver-ca.pem }`,
          "      - name: teams",
          "        use: webhook",
          "        options: { url: { env: TEAMS_URL }, format: teams, caFile: ./receiver-ca.pem }",
          "      - name: slack",
          "        use: webhook",
          `        options: { url: ${receiver.server.baseUrl}/slack, format: slack, caFile: ./receiver-ca.pem }`,
          "      - { name: broken-setup, use: ./setup-throws.mjs }",
          "      - { name: throwing, use: ./handler-throws.mjs }",
          ...userProfileLines(fake.entra, clientId, { name: "slow" }),
          '    schedule: "*/5 * * * * *"',
          "    hooks:",
          "      - { name: hangs, use: exec, options: { command: [sleep, '60'], timeoutSeconds: 3 } }",
          ...userProfileLines(fake.entra, clientId, { name: "lapsed" }),
          '    schedule: "* * * * * *"',
          "    hooks:",
          "      - name: lifecycle",
          "        use: exec",
          "        on: [failed, needs-consent, recovered, expiring]",
          `        options: ${recorder("lifecycle.jsonl", "lifecycle")}`,
        ].join("\n"),
    });
    await prepare(ws);
    await writeFile(join(ws.dir, "hmac-key"), `${hmacKey}\n`, { mode: 0o600 });
    // Global hooks run first, for every profile.
    const config = await readFile(ws.configPath, "utf8");
    await writeFile(
      ws.configPath,
      `${config}hooks:\n  - { name: global-recorder, use: exec, options: ${recorder("order.jsonl", "global")} }\n`,
    );
    await seedToken(
      ws.secretsDir,
      "slow",
      fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") }),
    );
    // "lapsed" has no token yet (needs consent), and its last token was issued 70 days ago (expiring).
    await mkdir(join(ws.stateDir, "status"), { recursive: true, mode: 0o700 });
    await writeFile(
      join(ws.stateDir, "status", "lapsed.json"),
      JSON.stringify({ refreshTokenIssuedAt: new Date(Date.now() - 70 * 86_400_000).toISOString() }),
    );

    const partnerd = new PartnerdProcess(["run", "-c", ws.configPath], {
      cwd: ws.dir,
      env: {
        TEAMS_URL: `${receiver.server.baseUrl}/teams/${teamsKey}`,
        HOOK_ALLOWED: "yes",
        HOOK_DENIED: canary("ENV"),
      },
    });
    // Two failed ticks of "lapsed" must raise needs-consent once; then a token arrives and it recovers.
    await partnerd.waitForLogs((l) => l.profile === "lapsed" && l.msg === "refresh failed; needs consent", 2);
    await seedToken(
      ws.secretsDir,
      "lapsed",
      fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") }),
    );
    await partnerd.waitForLogs(
      (l) => l.hook === "lifecycle" && l.event === "recovered" && l.msg === "hook ran",
    );
    await partnerd.waitForLogs((l) => l.hook === "hangs" && l.msg === "hook failed");
    await partnerd.waitForLogs((l) => l.hook === "slack" && l.msg === "hook ran", 2);
    partnerd.child.kill("SIGTERM");
    expect((await partnerd.exited).code).toBe(0);
    const logs = partnerd.logs;

    // Order: global before profile, for each refreshed event of pc.
    const order = (await jsonLines(join(ws.dir, "order.jsonl"))).filter(
      (line) => line.payload.profile === "pc",
    );
    expect(order.length).toBeGreaterThanOrEqual(4);
    for (let i = 0; i + 1 < order.length; i += 2) {
      expect([order[i]?.tag, order[i + 1]?.tag]).toEqual(["global", "profile"]);
      expect(order[i]!.payload.fingerprint).toBe(order[i + 1]!.payload.fingerprint);
    }
    const refreshed = order[0]!.payload;
    expect(refreshed).toMatchObject({ event: "refreshed", profile: "pc", rotated: true, replayed: false });
    expect(refreshed.stores).toEqual([{ store: "default", name: "pc", version: expect.any(String) }]);
    expect(refreshed.daysUntilRefreshTokenExpires).toBe(89);
    expect(refreshed).not.toHaveProperty("accessToken");

    // The access token reaches the script that asked for it, and its echo of it is masked in the log.
    const withToken = await jsonLines(join(ws.dir, "token.jsonl"));
    const accessToken = withToken[0]!.payload.accessToken;
    expect(fake.entra.issuedTokens()).toContain(accessToken);
    expect(hookLogs(partnerd, "echo", "hook program output")[0]?.stdout).toContain("[redacted]");

    // The environment is an allow-list.
    const env = (await jsonLines(join(ws.dir, "env.jsonl")))[0]?.env;
    expect(env).toEqual({ event: "refreshed", allowed: "yes" });

    // The file sink: { token, expiry }, mode 0640, the token a real one.
    const sink = join(ws.dir, "access-token.json");
    const written = JSON.parse(await readFile(sink, "utf8")) as { token: string; expiry: string };
    expect(fake.entra.issuedTokens()).toContain(written.token);
    expect(Date.parse(written.expiry)).toBeGreaterThan(Date.now());
    expect((await stat(sink)).mode & 0o777).toBe(0o640);

    // The signed webhook: HMAC over the exact body.
    const signed = requestsTo("/json")[0]!;
    const expected = createHmac("sha256", hmacKey).update(signed.body).digest("hex");
    expect(signed.headers["x-partnerd-signature"]).toBe(`sha256=${expected}`);
    expect(JSON.parse(signed.body)).toMatchObject({ event: "refreshed", profile: "pc" });

    // Teams: an Adaptive Card message; Slack: text and blocks. Both say which profile and what happened.
    const teams = JSON.parse(requestsTo(`/teams/${teamsKey}`)[0]!.body);
    expect(teams.type).toBe("message");
    const card = teams.attachments[0];
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content.type).toBe("AdaptiveCard");
    expect(card.content.body[0]).toMatchObject({ type: "TextBlock", text: "partnerd: pc refreshed" });
    expect(card.content.body.at(-1).type).toBe("FactSet");
    const slack = JSON.parse(requestsTo("/slack")[0]!.body);
    expect(slack.text).toBe("partnerd: pc refreshed");
    expect(slack.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "partnerd: pc refreshed" },
    });

    // A hook that hangs is killed at its timeout and reported; pc (every 2 s) kept refreshing during those 3 s.
    const hangEnd = logs.findIndex((l) => l.hook === "hangs" && l.msg === "hook failed");
    expect(logs[hangEnd]?.error).toBe("sleep was killed after 3 s");
    const hangStart = logs.findIndex(
      (l) => l.profile === "slow" && l.msg === "refresh token redeemed and stored",
    );
    const pcDuringHang = logs
      .slice(hangStart, hangEnd)
      .filter((l) => l.profile === "pc" && l.msg === "refresh token redeemed and stored");
    expect(pcDuringHang.length).toBeGreaterThanOrEqual(1);

    // A plugin whose setup throws and one whose handler throws: reported by name, refreshes go on.
    expect(
      logs.some(
        (l) =>
          l.msg === "hook setup failed; the hook will report it on each event" && l.hook === "broken-setup",
      ),
    ).toBe(true);
    expect(hookLogs(partnerd, "broken-setup", "hook failed")[0]?.error).toBe(
      "its setup failed: cannot reach the pager service",
    );
    expect(hookLogs(partnerd, "throwing", "hook failed")[0]?.error).toBe("rejected pc: token [redacted]");

    // needs-consent once, expiring once (today), failed on each failed tick, then recovered.
    const lifecycle = (await jsonLines(join(ws.dir, "lifecycle.jsonl"))).map(
      (l) => l.payload as Record<string, unknown>,
    );
    const events = lifecycle.map((p) => p.event);
    expect(events.filter((e) => e === "needs-consent")).toHaveLength(1);
    expect(events.filter((e) => e === "expiring")).toHaveLength(1);
    expect(events.filter((e) => e === "failed").length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toBe("recovered");
    expect(lifecycle.find((p) => p.event === "needs-consent")).toMatchObject({
      profile: "lapsed",
      command: "partnerd login lapsed",
    });
    expect(lifecycle.find((p) => p.event === "failed")).toMatchObject({ class: "needs-consent" });
    expect(lifecycle.find((p) => p.event === "expiring")).toMatchObject({
      reason: "inactive",
      daysUntilRefreshTokenExpires: 19,
    });

    // No refresh token in any payload; the access token only in the one that asked for it.
    const payloads = [
      ...receiver.requests.map((r) => r.body),
      await readFile(join(ws.dir, "order.jsonl"), "utf8"),
      await readFile(join(ws.dir, "env.jsonl"), "utf8"),
      await readFile(join(ws.dir, "lifecycle.jsonl"), "utf8"),
    ].join("\n");
    const withoutAsked = (await readFile(join(ws.dir, "token.jsonl"), "utf8")).replace(
      /"accessToken":"[^"]*"/g,
      "",
    );
    for (const token of fake.entra.issuedTokens()) {
      expect(payloads).not.toContain(token);
      expect(withoutAsked).not.toContain(token);
    }
    expect(partnerd.stdout).not.toContain(teamsKey);
  }, 60_000);

  it("refresh exits 1 naming a failed hook; token fires hooks; hooks test sends a sample; bad hooks are config errors", async () => {
    const ws = await createWorkspace(fake.entra, {
      profileYaml: ({ clientId }) =>
        [
          ...userProfileLines(fake.entra, clientId),
          "    hooks:",
          "      - name: notify",
          "        use: webhook",
          "        on: [refreshed, needs-consent]",
          `        options: { url: ${receiver.server.baseUrl}/cli, caFile: ./receiver-ca.pem }`,
          "      - { name: throwing, use: ./handler-throws.mjs }",
        ].join("\n"),
    });
    await prepare(ws);
    const cli = () => requestsTo("/cli").map((r) => JSON.parse(r.body) as Record<string, unknown>);

    const refresh = await runPartnerd(["refresh", "pc", "-c", ws.configPath]);
    expect(refresh.code).toBe(1);
    expect(refresh.stderr).toContain(
      'hook "throwing" failed on "refreshed" for profile pc: rejected pc: token [redacted]',
    );
    expect(refresh.logs.some((l: LogLine) => l.msg === "refresh token redeemed and stored")).toBe(true);
    expect(cli().map((p) => p.event)).toEqual(["refreshed"]);
    const status = await runPartnerd(["status", "--json", "-c", ws.configPath]);
    expect(JSON.parse(status.stdout)[0].failedHooks).toEqual([
      {
        hook: "throwing",
        event: "refreshed",
        error: "rejected pc: token [redacted]",
        at: expect.any(String),
      },
    ]);

    const token = await runPartnerd(["token", "pc", "-c", ws.configPath], { stdoutIsResult: true });
    expect(token.code).toBe(0);
    expect(fake.entra.issuedTokens()).toContain(token.stdout.trim());
    await waitFor(() => cli().length === 2);
    expect(cli()[1]).toMatchObject({ event: "refreshed", profile: "pc" });

    const test = await runPartnerd(["hooks", "test", "pc", "--event", "needs-consent", "-c", ws.configPath]);
    expect(test.code).toBe(0);
    expect(test.stderr).toContain('hook "notify" ran on a sample "needs-consent" event');
    expect(cli()[2]).toMatchObject({ event: "needs-consent", profile: "pc", command: "partnerd login pc" });

    const unknownEvent = await runPartnerd([
      "hooks",
      "test",
      "pc",
      "--event",
      "rotated",
      "-c",
      ws.configPath,
    ]);
    expect(unknownEvent.code).toBe(2);
    expect(unknownEvent.stderr).toContain(
      '--event: "rotated" is not one of refreshed, failed, needs-consent',
    );

    const config = await readFile(ws.configPath, "utf8");
    await writeFile(ws.configPath, `${config}hooks:\n  - { use: webhook, options: { format: teams } }\n`);
    const noUrl = await runPartnerd(["validate", "-c", ws.configPath]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/partnerd\.yaml:\d+:\d+ hooks\.0\.options\.url: /);

    await writeFile(ws.configPath, `${config}hooks:\n  - { use: ./missing-hook.mjs }\n`);
    for (const args of [["validate"], ["refresh", "pc"]]) {
      const missing = await runPartnerd([...args, "-c", ws.configPath]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /partnerd\.yaml:\d+:\d+ hooks\.0\.use: "\.\/missing-hook\.mjs" does not exist/,
      );
    }
  });
});
