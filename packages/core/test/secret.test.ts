import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { fingerprint, Secret } from "../src/secret.ts";

describe("Secret", () => {
  it("never prints its value, only a fingerprint", () => {
    const secret = new Secret("RT-CANARY-secret");
    for (const shown of [String(secret), JSON.stringify({ secret }), inspect(secret), `${secret}`]) {
      expect(shown).not.toContain("RT-CANARY");
      expect(shown).toContain(fingerprint("RT-CANARY-secret"));
    }
    expect(secret.reveal()).toBe("RT-CANARY-secret");
    expect(fingerprint("x")).toMatch(/^[0-9a-f]{12}$/);
  });
});
