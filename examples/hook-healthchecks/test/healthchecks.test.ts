import { randomUUID } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  HOOK_EVENTS,
  HookRunner,
  HookSet,
  loadConfig,
  samplePayload,
  silentLogger,
} from "@partnerd/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import plugin, { pingKind } from "../src/index.js";

const PLUGIN = fileURLToPath(new URL("../src/index.js", import.meta.url));

/** A stand-in for hc-ping.com: records each ping; a check whose key starts with "broken" answers 500. */
const pings: { path: string; body: string }[] = [];
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      pings.push({ path: req.url ?? "", body });
      res.writeHead(req.url?.includes("/broken") ? 500 : 200).end("OK");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The hooks of a real config that names this package by path, as a user's partnerd.yaml would. */
async function hooksFor(hookYaml: string) {
  const dir = await mkdtemp(join(tmpdir(), "hook-healthchecks-"));
  const file = join(dir, "partnerd.yaml");
  await writeFile(
    file,
    [
      "stateDir: ./state",
      "hooks:",
      `  - use: ${PLUGIN}`,
      ...hookYaml.split("\n").map((line) => `    ${line}`),
      "profiles:",
      "  pc:",
      "    applicationId: 00000000-0000-0000-0000-000000000001",
      "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
    ].join("\n"),
  );
  const { config } = await loadConfig({ configPath: file, cwd: dir });
  return HookSet.open(config, {}, silentLogger);
}

describe("partnerd-hook-healthchecks", () => {
  it("maps events to success, fail and log pings", () => {
    expect(pingKind("refreshed")).toBe("success");
    expect(pingKind("recovered")).toBe("success");
    expect(pingKind("needs-consent")).toBe("fail");
    expect(pingKind("failed", "store")).toBe("fail");
    expect(pingKind("failed", "transient")).toBe("log");
    expect(pingKind("expiring")).toBe("log");
    expect(plugin.apiVersion).toBe(1);
  });

  it("pings through partnerd's hook runner, with the URL read from a secret reference", async () => {
    const key = randomUUID();
    process.env.HC_PING_URL = `${base}/${key}`;
    const hooks = await hooksFor(`on: [${HOOK_EVENTS.join(", ")}]\noptions: { url: { env: HC_PING_URL } }`);
    const runner = new HookRunner(hooks, silentLogger);
    const { reports } = await runner.collect("pc", async () => {
      for (const event of HOOK_EVENTS) runner.dispatch(samplePayload(event, "pc"));
    });
    await hooks.close();

    expect(reports.map((r) => [r.event, r.ok])).toEqual(HOOK_EVENTS.map((event) => [event, true]));
    const mine = pings.filter((p) => p.path.startsWith(`/${key}`));
    expect(mine.map((p) => p.path)).toEqual([
      `/${key}`,
      `/${key}/fail`,
      `/${key}/fail`,
      `/${key}`,
      `/${key}/log`,
    ]);
    expect(mine[0]?.body).toBe("pc: refreshed, token 000000000001, 90 days left if unused");
    expect(mine[2]?.body).toBe("pc: needs consent: run partnerd login pc");
  });

  it("reports a failed ping without the URL's key", async () => {
    const key = `broken-${randomUUID()}`;
    const hooks = await hooksFor(`options: { url: ${base}/${key} }`);
    const runner = new HookRunner(hooks, silentLogger);
    const { reports } = await runner.collect("pc", async () =>
      runner.dispatch(samplePayload("refreshed", "pc")),
    );
    await hooks.close();

    expect(reports).toEqual([
      {
        hook: `${PLUGIN}#0`,
        profile: "pc",
        event: "refreshed",
        ok: false,
        error: `ping to ${base} answered HTTP 500`,
      },
    ]);
  });

  it("rejects bad options as a located config error", async () => {
    const error = await hooksFor(`options: { url: ${base}/x, timeoutSeconds: 0 }`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /partnerd\.yaml:\d+:\d+ hooks\.0\.options\.timeoutSeconds: expected a number of seconds from 1 to 300/,
    );
  });
});
