import { describe, expect, it } from "vitest";
import { EngineEvents } from "../src/engine/events.ts";
import { StoreError } from "../src/errors.ts";
import type { LogFields, Logger } from "../src/log/logger.ts";
import { redactError, redactKnownSecrets } from "../src/redaction.ts";
import { Secret } from "../src/secret.ts";
import { asStoreError } from "../src/stores/registry.ts";

const TOKEN = "RT-CANARY-redaction-0f4e2b9c71";

describe("redaction of known secrets in core", () => {
  it("scrubs every value partnerd holds as a Secret from plugin errors, exceptions and hook failures", async () => {
    new Secret(TOKEN);
    const pluginError = new Error(`backend said: cannot store "${TOKEN}"`, {
      cause: new Error(`inner ${TOKEN}`),
    });
    const wrapped = asStoreError("vault", "pc", "write failed", pluginError);
    expect(wrapped).toBeInstanceOf(StoreError);
    expect(wrapped.message).toBe(
      'store "vault" secret "pc": write failed: backend said: cannot store "[redacted]"',
    );
    expect(String((wrapped.cause as Error).cause)).not.toContain(TOKEN);
    expect(new StoreError("vault", "pc", `quoted ${TOKEN}`).message).not.toContain(TOKEN);
    expect((redactError(pluginError) as Error).message).not.toContain(TOKEN);
    expect(redactKnownSecrets(`a ${TOKEN} b`)).toBe("a [redacted] b");

    const warnings: LogFields[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (_message, fields) => warnings.push(fields ?? {}),
      error() {},
      child: () => logger,
    };
    const events = new EngineEvents(logger);
    events.on("failed", () => {
      throw new Error(`hook echoed ${TOKEN}`);
    });
    await events.emit("failed", {
      profile: "pc",
      at: new Date(),
      kind: "store",
      code: "STORE_FAILED",
      message: "x",
      needsConsent: false,
    });
    expect(JSON.stringify(warnings)).not.toContain(TOKEN);
    expect(JSON.stringify(warnings)).toContain("hook echoed [redacted]");
  });

  it("redacts every occurrence of every known value, the longest first, and forgets the oldest past 4096", () => {
    const short = "SECRET-abcdefgh";
    const long = `${short}-and-more`;
    const other = "another-secret-value";
    for (const value of [short, long, other]) new Secret(value);
    expect(redactKnownSecrets(`${long} ${short}x ${other}${other} ${TOKEN.slice(0, 7)}`)).toBe(
      `[redacted] [redacted]x [redacted][redacted] ${TOKEN.slice(0, 7)}`,
    );
    expect(redactKnownSecrets("short")).toBe("short");
    for (let i = 0; i < 4096; i++) new Secret(`filler-secret-${i}`);
    expect(redactKnownSecrets(`old ${short}`)).toBe(`old ${short}`);
    expect(redactKnownSecrets("filler-secret-4095")).toBe("[redacted]");
  });
});
