import { Secret } from "@partnerd/core";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";

describe("createLogger", () => {
  it("writes one JSON object per line with bound fields, honouring the level", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }).child({
      profile: "pc",
    });
    logger.debug("hidden");
    logger.info("refreshed", { fingerprint: "abc", error: new Error("boom") });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "info",
      msg: "refreshed",
      profile: "pc",
      fingerprint: "abc",
      error: "boom",
    });
  });

  it("prints a Secret as its fingerprint in both formats", () => {
    const secret = new Secret("RT-CANARY-log");
    for (const format of ["json", "pretty"] as const) {
      const lines: string[] = [];
      createLogger({ level: "debug", format, write: (l) => lines.push(l) }).info("x", { token: secret });
      expect(lines.join("")).not.toContain("RT-CANARY");
      expect(lines.join("")).toContain(secret.fingerprint);
    }
  });

  it("pretty lines name the profile and the fields", () => {
    const lines: string[] = [];
    createLogger({ level: "info", format: "pretty", write: (l) => lines.push(l) }).warn("slow", {
      profile: "pc",
      delayMs: 5,
    });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}\[pc\] slow {2}delayMs=5\n$/);
  });
});
