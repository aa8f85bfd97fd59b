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

  it("a rotation is one short line on a terminal, while JSON keeps every field", () => {
    const fields = {
      profile: "partner-center",
      previousFingerprint: "19bc406a28ad",
      fingerprint: "41ac0a2209b8",
      rotated: true,
      accessTokenExpiresAt: "2026-11-23T21:28:44.000Z",
      stores: ["default:partner-center@2"],
    };
    const lines: string[] = [];
    for (const format of ["pretty", "json"] as const) {
      createLogger({ level: "info", format, write: (l) => lines.push(l) }).info(
        "refresh token redeemed and stored",
        fields,
      );
    }
    const [pretty, json] = lines;
    expect(pretty).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}\[partner-center\] refresh token redeemed and stored {2}19bc406a28ad → 41ac0a2209b8 stores=default:partner-center@2\n$/,
    );
    expect(pretty!.length).toBeLessThanOrEqual(132); // was over 200 with every field
    expect(JSON.parse(json!)).toMatchObject(fields);
  });
});
