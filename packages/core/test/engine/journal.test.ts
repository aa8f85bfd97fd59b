import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Journal } from "../../src/engine/journal.ts";
import { Secret } from "../../src/secret.ts";

describe("Journal", () => {
  it("records an entry durably as a 0600 file, reads it back, and clears it", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-journal-"));
    const journal = new Journal(stateDir);
    expect(await journal.profilesWithEntries()).toEqual(new Set()); // no folder yet
    expect(await journal.read("pc")).toBeUndefined();
    await journal.record({
      profile: "pc",
      refreshToken: new Secret("RT-CANARY-journal"),
      previousFingerprint: "abc",
      redeemedAt: new Date("2026-11-22T05:00:00Z"),
      accessTokenExpiresAt: new Date("2026-11-22T06:00:00Z"),
      locations: [{ store: "default", name: "pc" }],
    });
    const file = join(stateDir, "journal", "pc.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(stateDir, "journal"))).mode & 0o777).toBe(0o700);
    const entry = await journal.read("pc");
    expect(entry?.refreshToken.reveal()).toBe("RT-CANARY-journal");
    expect(entry?.locations).toEqual([{ store: "default", name: "pc" }]);
    expect(await journal.profilesWithEntries()).toEqual(new Set(["pc"]));
    await journal.clear("pc");
    expect(await journal.profilesWithEntries()).toEqual(new Set());
    expect(await journal.read("pc")).toBeUndefined();
    expect(await readdir(join(stateDir, "journal"))).toEqual([]);
  });
});

describe("Journal with a damaged entry", () => {
  it("names the file and never deletes it, since it may hold the only copy of a token", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-journal-"));
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(join(stateDir, "journal"));
    await writeFile(join(stateDir, "journal", "pc.json"), "{ half a");
    const journal = new Journal(stateDir);
    await expect(journal.read("pc")).rejects.toThrow(
      `journal entry ${join(stateDir, "journal", "pc.json")} is unreadable; if the stores hold a working token, move the file aside`,
    );
    expect(await readdir(join(stateDir, "journal"))).toEqual(["pc.json"]);
  });
});
