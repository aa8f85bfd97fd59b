import { mkdtemp, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret } from "@partnerd/core";
import { describe, expect, it } from "vitest";
import { logCrash } from "../src/daemon/crash.ts";
import { createLogger } from "../src/logger.ts";
import { isJournalStream } from "../src/systemd/journal-stream.ts";

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

describe("journald priority prefixes", () => {
  it("starts each line with its syslog priority when writing to the journal", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "debug",
      format: "json",
      priorityPrefix: true,
      write: (l) => lines.push(l),
    });
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    logger.debug("d");
    expect(lines.map((l) => l.slice(0, 3))).toEqual(["<3>", "<4>", "<6>", "<7>"]);
    expect(JSON.parse(lines[0]!.slice(3))).toMatchObject({ level: "error", msg: "e" });
  });

  it("recognizes the journal stream by JOURNAL_STREAM's device and inode, not by the variable alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-journal-"));
    const file = await open(join(dir, "out"), "w");
    try {
      const { dev, ino } = await file.stat();
      expect(isJournalStream(file.fd, { JOURNAL_STREAM: `${dev}:${ino}` })).toBe(true);
      expect(isJournalStream(file.fd, { JOURNAL_STREAM: `${dev}:${ino + 1}` })).toBe(false);
      expect(isJournalStream(file.fd, {})).toBe(false);
    } finally {
      await file.close();
    }
  });

  it("logs a crash as one error line with the stack as a field", () => {
    const lines: string[] = [];
    logCrash(
      createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }),
      new TypeError("boom"),
    );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: "error", msg: "partnerd crashed", error: "boom" });
    expect(line.stack[0]).toMatch(/^at /);
  });
});
