import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "../../src/engine/backoff.ts";

const policy = { attempts: 5, initialDelayMs: 1000, maxDelayMs: 8000 };

describe("backoffDelay", () => {
  it("grows exponentially with jitter between half and the full step, capped", () => {
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(4000);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(8000);
  });

  it("never waits less than Retry-After", () => {
    expect(backoffDelay(policy, 1, 30_000, () => 0)).toBe(30_000);
  });
});

describe("sleep", () => {
  it("ends early with false when aborted", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(await sleep(1)).toBe(true);
  });
});
