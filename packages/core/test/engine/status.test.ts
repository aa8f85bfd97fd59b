import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { flushStatus, StatusBook } from "../../src/engine/status.ts";
import { fsyncDir, writeFileAtomic } from "../../src/fs/atomic-write.ts";

describe("StatusBook (advisory status)", () => {
  it("writes an attempt together with its outcome, in one write", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const book = new StatusBook(stateDir);
    book.noteAttempt("pc", new Date("2026-01-01T00:00:00Z"));
    await expect(stat(join(stateDir, "status"))).rejects.toMatchObject({ code: "ENOENT" }); // nothing written yet
    expect(await book.read("pc")).toEqual({ lastAttemptAt: "2026-01-01T00:00:00.000Z" });
    await book.update("pc", (s) => ({ ...s, lastSuccessAt: "2026-01-01T00:00:01.000Z" }));
    await flushStatus();
    const written = JSON.parse(await readFile(join(stateDir, "status", "pc.json"), "utf8"));
    expect(written).toEqual({
      lastAttemptAt: "2026-01-01T00:00:00.000Z",
      lastSuccessAt: "2026-01-01T00:00:01.000Z",
    });
    expect((await stat(join(stateDir, "status"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(stateDir, "status", "pc.json"))).mode & 0o777).toBe(0o600);
    await rm(stateDir, { recursive: true, force: true });
  });

  it("reads a file torn by a crash as no status, and the next update replaces it", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const book = new StatusBook(stateDir);
    await book.update("pc", () => ({ fingerprint: "a" }));
    await flushStatus();
    await writeFile(join(stateDir, "status", "pc.json"), "");
    expect(await book.read("pc")).toEqual({});
    await writeFile(join(stateDir, "status", "pc.json"), '{"fingerp');
    expect(await book.read("pc")).toEqual({});
    await book.update("pc", (s) => ({ ...s, fingerprint: "b" }));
    expect(await book.read("pc")).toEqual({ fingerprint: "b" });
    await rm(stateDir, { recursive: true, force: true });
  });
});

describe("StatusBook writes in place", () => {
  it("rewrites an existing status file in its own inode, padded so a shorter status never leaves a tail", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const book = new StatusBook(stateDir);
    const file = join(stateDir, "status", "pc.json");
    await book.update("pc", () => ({
      fingerprint: "a",
      lastError: { kind: "k", code: "c", message: "long ".repeat(20) },
    }));
    await flushStatus();
    const { ino, size } = await stat(file);
    await book.update("pc", () => ({ fingerprint: "b" }));
    await flushStatus();
    expect((await stat(file)).ino).toBe(ino); // no new file, no rename: no folder change
    expect((await stat(file)).size).toBe(size);
    const text = await readFile(file, "utf8");
    expect(JSON.parse(text)).toEqual({ fingerprint: "b" });
    expect(text.endsWith(" \n")).toBe(true);
    expect(await new StatusBook(stateDir).read("pc")).toEqual({ fingerprint: "b" });
    expect(await readdir(join(stateDir, "status"))).toEqual(["pc.json"]);
    await rm(stateDir, { recursive: true, force: true });
  });
});

describe("StatusBook and a planted link", () => {
  it("never writes through a symbolic link in the status folder: it replaces the link with a file", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const book = new StatusBook(stateDir);
    await book.update("pc", () => ({ fingerprint: "a" }));
    await flushStatus();
    const file = join(stateDir, "status", "pc.json");
    // A file elsewhere with the same content, so that the link reads as the status itself.
    const target = join(stateDir, "elsewhere");
    const content = await readFile(file, "utf8");
    await writeFile(target, content);
    await rm(file);
    await symlink(target, file);
    await book.update("pc", () => ({ fingerprint: "b" }));
    await flushStatus();
    expect(await readFile(target, "utf8")).toBe(content);
    expect((await lstat(file)).isFile()).toBe(true);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ fingerprint: "b" });
    await rm(stateDir, { recursive: true, force: true });
  });
});

describe("StatusBook write-behind", () => {
  it("shows a change to every book of the process at once, and writes it shortly after by itself", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const engine = new StatusBook(stateDir);
    const board = new StatusBook(stateDir);
    await engine.update("pc", () => ({ fingerprint: "a" }));
    expect(await board.read("pc")).toEqual({ fingerprint: "a" });
    await board.update("pc", (s) => ({ ...s, needsConsent: true }));
    expect(await engine.read("pc")).toEqual({ fingerprint: "a", needsConsent: true });
    const file = join(stateDir, "status", "pc.json");
    await vi.waitFor(async () => {
      expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ fingerprint: "a", needsConsent: true });
    });
    await rm(stateDir, { recursive: true, force: true });
  });
});

describe("StatusBook across processes", () => {
  it("does not write its recorded status over one another process wrote after it read (that one is newer)", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const book = new StatusBook(stateDir);
    await book.update("pc", () => ({ fingerprint: "a" }));
    await flushStatus();
    await book.update("pc", (s) => ({ ...s, fingerprint: "b", needsConsent: true })); // recorded, not yet written
    // Another process took the profile's lock next, and wrote its outcome first.
    const file = join(stateDir, "status", "pc.json");
    await writeFileAtomic(file, JSON.stringify({ fingerprint: "c" }), { durable: false });
    await flushStatus();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ fingerprint: "c" });
    expect(await book.read("pc")).toEqual({ fingerprint: "c" });
    await rm(stateDir, { recursive: true, force: true });
  });

  it("sees what another writer put in the file, and its own writes without re-reading", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "partnerd-status-"));
    const mine = new StatusBook(stateDir);
    await mine.update("pc", () => ({ fingerprint: "a" }));
    await flushStatus();
    expect(await mine.read("pc")).toEqual({ fingerprint: "a" });
    // Another process replaces the file (as its own book does: temp file and rename).
    const file = join(stateDir, "status", "pc.json");
    await writeFileAtomic(file, JSON.stringify({ fingerprint: "a", needsConsent: true }), { durable: false });
    expect(await mine.read("pc")).toEqual({ fingerprint: "a", needsConsent: true });
    // A caller changing what it was given changes nothing remembered.
    const read = await mine.read("pc");
    read.fingerprint = "changed";
    expect((await mine.read("pc")).fingerprint).toBe("a");
    await rm(file);
    expect(await mine.read("pc")).toEqual({});
    await rm(stateDir, { recursive: true, force: true });
  });
});

describe("writeFileAtomic", () => {
  it("creates a missing folder (0700) only when asked, and leaves no temp file either way", async () => {
    const root = await mkdtemp(join(tmpdir(), "partnerd-atomic-"));
    const path = join(root, "a", "b", "file");
    await expect(writeFileAtomic(path, "x")).rejects.toMatchObject({ code: "ENOENT" });
    await writeFileAtomic(path, "x", { createDir: true });
    await writeFileAtomic(path, "y", { createDir: true, durable: false });
    expect(await readFile(path, "utf8")).toBe("y");
    expect((await stat(join(root, "a", "b"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(root, "a", "b"))).toEqual(["file"]);
    await rm(root, { recursive: true, force: true });
  });
});

describe("fsyncDir (group commit)", () => {
  it("settles every concurrent caller, sharing syncs, and gives each caller a failure of its own sync", async () => {
    const root = await mkdtemp(join(tmpdir(), "partnerd-fsync-"));
    const writes = Array.from({ length: 20 }, (_, i) => writeFileAtomic(join(root, `f${i}`), `${i}`));
    await Promise.all(writes);
    expect((await readdir(root)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}`).sort());
    const missing = join(root, "missing");
    const results = await Promise.allSettled([fsyncDir(missing), fsyncDir(missing), fsyncDir(root)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    await fsyncDir(root); // nothing left behind from the batches above
    await rm(root, { recursive: true, force: true });
  });
});
