import { describe, expect, it } from "vitest";
import type { HookContext, HookPlugin } from "../../src/hooks/contract.ts";
import { HookSet } from "../../src/hooks/hook-set.ts";
import type { HookPayload } from "../../src/hooks/payloads.ts";
import { HookRunner } from "../../src/hooks/runner.ts";
import { samplePayload } from "../../src/hooks/sample-payload.ts";
import { Secret } from "../../src/secret.ts";
import { testdir } from "../config/helpers.ts";
import { captureLogger } from "../identity/consent/helpers.ts";
import { configWithHooks } from "./helpers.ts";

/** A plugin that records each run's start and end, and does what its options say. */
function recordingPlugin(trace: string[]): HookPlugin<{ tag: string; mode: string; key?: Secret }> {
  const handle = async (
    payload: HookPayload,
    context: HookContext<{ tag: string; mode: string; key?: Secret }>,
  ) => {
    const { tag, mode, key } = context.state;
    trace.push(`start ${tag} ${payload.event} ${payload.profile}`);
    (payload as { profile: string }).profile = "changed by a hook";
    if (mode === "throw") throw new Error(`cannot post with key ${key?.reveal()}\nsecond line`);
    if (mode === "hang") {
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve()));
      trace.push(`aborted ${tag}: ${(context.signal.reason as Error).message}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    trace.push(`end ${tag}`);
  };
  return {
    apiVersion: 1,
    name: "recording",
    async setup(options, context) {
      const key = options.key === undefined ? undefined : await context.resolveSecret(options.key, "key");
      return { tag: String(options.tag), mode: String(options.mode ?? "ok"), ...(key ? { key } : {}) };
    },
    handlers: { refreshed: handle, failed: handle },
  };
}

describe("HookRunner", () => {
  it("runs global then profile hooks, one at a time, each isolated, timed out and masked", async () => {
    const dir = await testdir();
    process.env.HOOK_TEST_KEY = "webhook-key-CANARY-123456";
    const config = await configWithHooks(dir, {
      global: [
        "- { use: rec, options: { tag: g1 } }",
        "- { name: loud, use: rec, options: { tag: g2, mode: throw, key: { env: HOOK_TEST_KEY } } }",
      ],
      profile: [
        "- { name: stuck, use: rec, timeoutSeconds: 0.05, options: { tag: p1, mode: hang } }",
        "- { use: rec, on: [refreshed, failed], options: { tag: p2 } }",
      ],
    });
    const trace: string[] = [];
    const logger = captureLogger();
    const hooks = await HookSet.open(config, { rec: recordingPlugin(trace) }, logger);
    const runner = new HookRunner(hooks, logger);

    const { reports } = await runner.collect("pc", async () => {
      runner.dispatch(samplePayload("refreshed", "pc"), new Secret("access-token-CANARY-987654"));
      runner.dispatch(samplePayload("failed", "pc"));
    });
    await hooks.close();

    // Each hook sees "pc": the one before changed only its own copy of the payload.
    expect(trace).toEqual([
      "start g1 refreshed pc",
      "end g1",
      "start g2 refreshed pc",
      "start p1 refreshed pc",
      "aborted p1: timed out after 0.05 s",
      "start p2 refreshed pc",
      "end p2",
      // The global hooks subscribe to the default, [refreshed], only.
      "start p2 failed pc",
      "end p2",
    ]);
    expect(reports.map((r) => `${r.hook} ${r.event} ${r.ok ? "ok" : r.error}`)).toEqual([
      "rec#0 refreshed ok",
      "loud refreshed cannot post with key [redacted]",
      "stuck refreshed timed out after 0.05 s",
      "rec#1 refreshed ok",
      "rec#1 failed ok",
    ]);
    const failures = logger.entries.filter((l) => l.message === "hook failed");
    expect(failures.map((l) => [l.fields.profile, l.fields.hook, l.fields.event])).toContainEqual([
      "pc",
      "stuck",
      "refreshed",
    ]);
    expect(JSON.stringify(logger.entries)).not.toContain("CANARY");
  });

  it("drops events beyond a backlog instead of queueing without end", async () => {
    const dir = await testdir();
    const config = await configWithHooks(dir, { global: ["- { use: rec, options: { tag: g } }"] });
    const logger = captureLogger();
    const hooks = await HookSet.open(config, { rec: recordingPlugin([]) }, logger);
    const runner = new HookRunner(hooks, logger);
    const { reports } = await runner.collect("pc", async () => {
      for (let i = 0; i < 25; i++) runner.dispatch(samplePayload("refreshed", "pc"));
    });
    expect(reports).toHaveLength(20);
    expect(
      logger.entries.filter((l) => l.message === "hooks are falling behind; event dropped"),
    ).toHaveLength(5);
  });
});

describe("HookSet", () => {
  it("reports plugin, on: and option problems as located config errors", async () => {
    const dir = await testdir({ "no-handlers.mjs": "export default { apiVersion: 1, name: 'x' };\n" });
    const badOptions: HookPlugin = {
      apiVersion: 1,
      name: "picky",
      setup: () => {
        throw Object.assign(new Error("expected a number"), { code: "HOOK_OPTIONS", key: "retries" });
      },
      handlers: { refreshed() {} },
    };
    const cases: [string, Record<string, HookPlugin>, RegExp][] = [
      [
        "- { use: ./no-handlers.mjs }",
        {},
        /partnerd\.yaml:3:\d+ hooks\.0\.use: "\.\/no-handlers\.mjs" default export is not a hook plugin: it has no handlers object/,
      ],
      [
        "- { use: picky, on: [expiring] }",
        { picky: badOptions },
        /hooks\.0\.on: "picky" has no handler for "expiring" \(it handles: refreshed\)/,
      ],
      [
        "- { use: picky }",
        { picky: badOptions },
        /partnerd\.yaml:3:\d+ hooks\.0\.options\.retries: expected a number/,
      ],
      ["- { use: ./nowhere.mjs }", {}, /hooks\.0\.use: "\.\/nowhere\.mjs" does not exist/],
    ];
    for (const [line, builtins, message] of cases) {
      const config = await configWithHooks(dir, { global: [line] });
      await expect(HookSet.open(config, builtins, captureLogger())).rejects.toThrow(message);
    }
  });

  it("keeps a hook whose setup failed, reporting it on each event", async () => {
    const dir = await testdir();
    const config = await configWithHooks(dir, { profile: ["- { name: pager, use: down }"] });
    const down: HookPlugin = {
      apiVersion: 1,
      name: "down",
      setup: () => Promise.reject(new Error("pager service unreachable")),
      handlers: { refreshed() {} },
    };
    const logger = captureLogger();
    const hooks = await HookSet.open(config, { down }, logger);
    const runner = new HookRunner(hooks, logger);
    const { reports } = await runner.collect("pc", async () =>
      runner.dispatch(samplePayload("refreshed", "pc")),
    );
    expect(reports).toEqual([
      {
        hook: "pager",
        profile: "pc",
        event: "refreshed",
        ok: false,
        error: "its setup failed: pager service unreachable",
      },
    ]);
    expect(
      logger.entries.some((l) => l.message.startsWith("hook setup failed") && l.fields.hook === "pager"),
    ).toBe(true);
  });
});
