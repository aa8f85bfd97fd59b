import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type HookContext,
  type HookEventName,
  type HookPayloadMap,
  type HookPlugin,
  type HookSetupContext,
  Secret,
  samplePayload,
  silentLogger,
} from "@partnerd/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import execHook from "../src/exec.ts";
import fileHook from "../src/file.ts";
import webhookHook from "../src/webhook.ts";

const logged: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
const logger = {
  ...silentLogger,
  info: (msg: string, fields?: Record<string, unknown>) => void logged.push({ msg, fields }),
  warn: (msg: string, fields?: Record<string, unknown>) => void logged.push({ msg, fields }),
};

async function setUp<S>(plugin: HookPlugin<S>, options: Record<string, unknown>, configDir = tmpdir()) {
  const context: HookSetupContext = {
    hook: "test",
    configDir,
    stateDir: configDir,
    logger: silentLogger,
    resolveSecret: async (reference) => new Secret(process.env[(reference as { env: string }).env]!),
  };
  return (await plugin.setup!(options, context)) as S;
}

/** Runs one handler of `plugin` as the runner would (without the runner's timeout). */
async function fire<S, E extends HookEventName>(
  plugin: HookPlugin<S>,
  state: S,
  event: E,
  accessToken?: Secret,
): Promise<void> {
  const context: HookContext<S> = {
    hook: "test",
    profile: "pc",
    event,
    state,
    logger,
    signal: new AbortController().signal,
    accessToken,
  };
  const handler = plugin.handlers[event] as (p: HookPayloadMap[E], c: HookContext<S>) => Promise<void>;
  await handler(samplePayload(event, "pc"), context);
}

describe("webhook", () => {
  const answers: number[] = [];
  const seen: string[] = [];
  let server: Server;
  let base = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      req.resume().on("end", () => res.writeHead(answers.shift() ?? 200, { "retry-after": "0" }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("retries a 503, and gives up on a 404 at once, naming only the origin", async () => {
    const state = await setUp(webhookHook, { url: `${base}/key-in-path`, retries: 2 });
    answers.push(503);
    seen.length = 0;
    await fire(webhookHook, state, "failed");
    expect(seen).toEqual(["/key-in-path", "/key-in-path"]);

    answers.push(404);
    seen.length = 0;
    await expect(fire(webhookHook, state, "failed")).rejects.toThrow(`POST ${base}: HTTP 404`);
    expect(seen).toHaveLength(1);
  });

  it("reads a URL given by reference and rejects unknown options by key", async () => {
    process.env.WEBHOOK_TEST_URL = `${base}/by-ref`;
    const state = await setUp(webhookHook, { url: { env: "WEBHOOK_TEST_URL" } });
    seen.length = 0;
    await fire(webhookHook, state, "recovered");
    expect(seen).toEqual(["/by-ref"]);
    await expect(setUp(webhookHook, { url: base, formt: "teams" })).rejects.toMatchObject({
      code: "HOOK_OPTIONS",
    });
  });
});

describe("exec", () => {
  const node = process.execPath;

  it("reports a non-zero exit with the last line of stderr, and caps the output it logs", async () => {
    const script =
      "process.stdout.write('x'.repeat(5000)); console.error('first'); console.error('boom'); process.exit(3)";
    const state = await setUp(execHook, { command: [node, "-e", script], maxOutputBytes: 100 });
    await expect(fire(execHook, state, "refreshed")).rejects.toThrow(`${node} exited with code 3: boom`);
    const output = logged.find((l) => l.msg === "hook program output")?.fields;
    expect(output?.stdout).toBe(`${"x".repeat(100)}… (4900 more bytes)`);
    expect(output?.stderr).toBe("first\nboom");
  });

  it("says when the program cannot be run", async () => {
    const state = await setUp(execHook, { command: ["/nonexistent/reload-app"] });
    await expect(fire(execHook, state, "refreshed")).rejects.toThrow(
      "cannot run /nonexistent/reload-app: ENOENT",
    );
  });
});

describe("file", () => {
  it("writes the token alone with mode 0600 by default, and leaves the file alone without a token", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hook-file-"));
    const state = await setUp(fileHook, { path: "token" }, dir);
    await fire(fileHook, state, "refreshed", new Secret("access-token-value"));
    expect(await readFile(join(dir, "token"), "utf8")).toBe("access-token-value");
    expect((await stat(join(dir, "token"))).mode & 0o777).toBe(0o600);

    await writeFile(join(dir, "token"), "kept");
    await fire(fileHook, state, "refreshed");
    expect(await readFile(join(dir, "token"), "utf8")).toBe("kept");
    expect(logged.some((l) => l.msg === "no access token in this event; the file is left as it is")).toBe(
      true,
    );
  });

  it("rejects a mode that is not octal", async () => {
    await expect(setUp(fileHook, { path: "t", mode: "rw-------" })).rejects.toMatchObject({
      code: "HOOK_OPTIONS",
      key: "mode",
    });
  });
});
