import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LockBusyError, LockLostError } from "../../src/lock/errors.ts";
import { FileLocks } from "../../src/lock/file-lock.ts";

const WORKER = fileURLToPath(new URL("./lock-worker.ts", import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function worker(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return child;
}

/** A child process that holds `key` until killed. */
async function holder(dir: string, key: string): Promise<ChildProcess> {
  const child = worker(["hold", dir, key]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.exitCode)
      : child.once("exit", resolve),
  );

describe("FileLocks", () => {
  it("one holder at a time within a process; release lets the next in", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const locks = new FileLocks(dir, "partnerd test");
    const first = await locks.acquire("pc", { waitMs: 0 });
    await expect(locks.acquire("pc", { waitMs: 50 })).rejects.toThrow(LockBusyError);
    expect(await locks.holder("pc")).toMatchObject({ pid: process.pid, command: "partnerd test" });
    const other = await locks.acquire("other", { waitMs: 0 });
    await first.release();
    const second = await locks.acquire("pc", { waitMs: 0 });
    expect([first.previousHolderDied, second.previousHolderDied]).toEqual([false, false]); // released, not dead
    await second.release();
    await other.release();
    expect(await locks.holder("pc")).toBeUndefined();
    await locks.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it("takes a lock by linking a filled holder file, reused from take to take; close removes the spares", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const locks = new FileLocks(dir, "partnerd run");
    const first = await locks.acquire("pc", { waitMs: 0 });
    const record = JSON.parse(await readFile(join(dir, "pc.lock"), "utf8"));
    expect(record).toMatchObject({ pid: process.pid, command: "partnerd run", key: "pc" });
    const { ino, nlink } = await stat(join(dir, "pc.lock"));
    expect(nlink).toBe(2); // the lock's name and the holder file's
    const second = await locks.acquire("other", { waitMs: 0 }); // while pc is held: another file
    expect((await stat(join(dir, "other.lock"))).ino).not.toBe(ino);
    await first.release();
    const third = await locks.acquire("third", { waitMs: 0 }); // pc's file, free again, with its record
    expect((await stat(join(dir, "third.lock"))).ino).toBe(ino);
    expect(JSON.parse(await readFile(join(dir, "third.lock"), "utf8"))).toMatchObject({ key: "third" });
    await locks.close(); // locks still held keep their files
    await third.verify();
    await second.verify();
    await third.release();
    await second.release();
    await locks.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it("removes the holder files of a process that died, not those of a live one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const live = await holder(dir, "a");
    const dead = await holder(dir, "b");
    dead.kill("SIGKILL");
    await exited(dead);
    const locks = new FileLocks(dir, "partnerd run");
    const lock = await locks.acquire("b", { waitMs: 0 });
    expect(lock.previousHolderDied).toBe(true);
    await lock.release();
    await locks.close();
    const left = (await readdir(dir)).sort();
    expect(left.filter((f) => f.startsWith(`.holder.${dead.pid}.`))).toEqual([]);
    expect(left.filter((f) => f.startsWith(`.holder.${live.pid}.`))).toHaveLength(1);
    expect(left).toContain("a.lock");
  });

  it("a live holder in another process is never robbed; the message names it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const child = await holder(dir, "pc");
    const locks = new FileLocks(dir, "partnerd token pc");
    const error = await locks.acquire("pc", { waitMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^profile "pc" is locked by pid ${child.pid} on .+ \\(lock-worker hold\\), since \\d{4}-.+ after waiting 0\\.3 s$`,
      ),
    );
    expect(await locks.holder("pc")).toMatchObject({ pid: child.pid });
  });

  it("a holder killed with -9 does not block: the next taker breaks its lock", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const child = await holder(dir, "pc");
    child.kill("SIGKILL");
    await exited(child);
    const locks = new FileLocks(dir, "partnerd run");
    expect(await locks.holder("pc")).toBeUndefined();
    const lock = await locks.acquire("pc", { waitMs: 0 });
    expect(lock.owner.pid).toBe(process.pid);
    expect(lock.previousHolderDied).toBe(true); // what it was writing may be half done
    await lock.verify();
    await lock.release();
  });

  it("a waiter gets the lock as soon as a live holder dies", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const child = await holder(dir, "pc");
    const waiting = new FileLocks(dir, "partnerd refresh pc").acquire("pc", { waitMs: 10_000 });
    setTimeout(() => child.kill("SIGKILL"), 100);
    const lock = await waiting;
    expect(lock.owner.pid).toBe(process.pid);
    expect(lock.previousHolderDied).toBe(true);
    await lock.release();
  });

  it("a recycled pid (same pid, another start time) and a stale boot id count as dead", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const locks = new FileLocks(dir, "t");
    const mine = await locks.acquire("pc", { waitMs: 0 });
    const record = JSON.parse(await readFile(join(dir, "pc.lock"), "utf8"));
    await mine.release();
    if (record.startTime) {
      await writeFile(join(dir, "pc.lock"), JSON.stringify({ ...record, startTime: "1" }));
      await (await locks.acquire("pc", { waitMs: 0 })).release();
    }
    if (record.bootId) {
      await writeFile(join(dir, "pc.lock"), JSON.stringify({ ...record, bootId: "another-boot" }));
      await (await locks.acquire("pc", { waitMs: 0 })).release();
    }
    expect(record.pid).toBe(process.pid);
  });

  it("verify() fails and release() leaves the file alone once the lock file was replaced", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const lock = await new FileLocks(dir, "t").acquire("pc", { waitMs: 0 });
    const replacement = JSON.stringify({ pid: 1, host: "elsewhere", command: "x", since: "then" });
    await writeFile(join(dir, "pc.lock.new"), replacement);
    const { rename } = await import("node:fs/promises");
    await rename(join(dir, "pc.lock.new"), join(dir, "pc.lock"));
    await expect(lock.verify()).rejects.toThrow(LockLostError);
    await lock.release();
    expect(await readFile(join(dir, "pc.lock"), "utf8")).toBe(replacement);
  });

  it("a lock file without its record yet (a holder between create and write) is waited for, then broken once stale", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const locks = new FileLocks(dir, "test");
    const path = join(dir, "pc.lock");
    await writeFile(path, "", { mode: 0o600 });
    const busy = await locks.acquire("pc", { waitMs: 50 }).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(LockBusyError);
    expect((busy as Error).message).toContain("another process");
    expect(await locks.holder("pc")).toBeUndefined(); // no record to name
    // The same empty file, left by a holder that died before writing it, is broken after the grace.
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await locks.acquire("pc", { waitMs: 1_000 });
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ pid: process.pid, command: "test" });
    await lock.release();
    await locks.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it("a lock folder that cannot be created is a clear error, not a stack trace", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    await writeFile(join(dir, "a-file"), "");
    const locks = new FileLocks(join(dir, "a-file", "locks"), "partnerd token pc");
    await expect(locks.acquire("pc", { waitMs: 0 })).rejects.toThrow(
      `cannot take the lock of profile "pc": cannot write ${join(dir, "a-file", "locks")} (ENOTDIR); the state folder must be writable by the user partnerd runs as`,
    );
  });

  it("mutual exclusion across processes: no increment of a shared counter is lost", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-lock-"));
    const counter = join(dir, "counter");
    await writeFile(counter, "0");
    const processes = 6;
    const rounds = 25;
    const codes = await Promise.all(
      Array.from({ length: processes }, () => exited(worker(["count", dir, "pc", counter, String(rounds)]))),
    );
    expect(codes).toEqual(Array(processes).fill(0));
    expect(Number(await readFile(counter, "utf8"))).toBe(processes * rounds);
  }, 60_000);
});
