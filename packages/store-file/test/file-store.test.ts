import { chmod, chown, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type SecretMetadata,
  STORE_API_VERSION,
  type StoreContext,
  StoreError,
  StoreOptionsError,
  silentLogger,
  standaloneStoreContext,
} from "@partnerd/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fileStore, { createFileStore, envelopeCheck, type FileEnvelope, STORE_NAME } from "../src/index.ts";

const CANARY = "0.CANARY-9f3b1c_secret+value/with=chars.zz";
const isRoot = process.getuid?.() === 0;
const posix = process.platform !== "win32";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "partnerd-file-store-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function context(overrides: Partial<StoreContext> = {}): StoreContext {
  return {
    ...standaloneStoreContext({ configDir: root, storeId: "vault", stateDir: join(root, "state") }),
    ...overrides,
  };
}

function metadata(value = CANARY): SecretMetadata {
  return {
    profile: "pc",
    fingerprint: `fp-${value.length}`,
    refreshedAt: new Date("2026-01-02T03:04:05.000Z"),
    expiresByInactivityAt: new Date("2026-04-02T03:04:05.000Z"),
  };
}

function mode(stats: { mode: number }): number {
  return stats.mode & 0o777;
}

/** Resolves with the error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("plugin", () => {
  it("is a store plugin named file", () => {
    expect(fileStore.apiVersion).toBe(STORE_API_VERSION);
    expect(fileStore.name).toBe(STORE_NAME);
    expect(STORE_NAME).toBe("file");
  });

  it("resolves a relative dir from configDir and reports its capabilities", async () => {
    const store = await fileStore.create({ dir: "secrets/pc" }, context());
    await store.put("pc", CANARY, metadata());
    expect(await readFile(join(root, "secrets", "pc", "pc"), "utf8")).toContain(CANARY);
    expect(store.capabilities).toEqual({
      versions: true,
      tags: true,
      softDelete: false,
      durableWrites: true,
    });
  });

  it("uses an absolute dir as is", async () => {
    const dir = join(root, "abs");
    const store = await fileStore.create({ dir }, context({ configDir: "/nonexistent" }));
    await store.put("pc", CANARY, metadata());
    expect((await stat(join(dir, "pc"))).isFile()).toBe(true);
  });

  it("rejects an unknown option key, naming the store and the key but not the value", async () => {
    const error = await rejection(
      Promise.resolve().then(() => fileStore.create({ dir: "s", path: CANARY }, context())),
    );
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect((error as StoreOptionsError).key).toBe("path");
    expect(error.message).toContain('store "vault"');
    expect(error.message).toContain('"path"');
    expect(error.message).not.toContain(CANARY);
  });

  it("rejects a missing or non-string dir without echoing it", async () => {
    for (const options of [{}, { dir: 42 }, { dir: "" }, { dir: [CANARY] }, { dir: { CANARY } }]) {
      const error = await rejection(Promise.resolve().then(() => fileStore.create(options, context())));
      expect(error).toBeInstanceOf(StoreOptionsError);
      expect((error as StoreOptionsError).key).toBe("dir");
      expect(error.message).toContain('store "vault"');
      expect(error.message).not.toContain(CANARY);
    }
  });
});

describe.skipIf(!posix)("permissions", () => {
  it("creates the folder 0700 and writes secret files 0600", async () => {
    const dir = join(root, "new", "secrets");
    const store = await createFileStore({ dir });
    expect(mode(await stat(dir))).toBe(0o700);
    await store.put("pc", CANARY, metadata());
    await store.put("pc", `${CANARY}-2`, metadata());
    expect(mode(await stat(join(dir, "pc")))).toBe(0o600);
    expect(mode(await stat(join(dir, "pc.previous")))).toBe(0o600);
  });

  it("replaces a loose 0644 file with a 0600 one on put", async () => {
    const dir = join(root, "s");
    const store = await createFileStore({ dir });
    await writeFile(join(dir, "pc"), "hand-written\n", { mode: 0o644 });
    await chmod(join(dir, "pc"), 0o644);
    await store.put("pc", CANARY, metadata());
    expect(mode(await stat(join(dir, "pc")))).toBe(0o600);
    expect(mode(await stat(join(dir, "pc.previous")))).toBe(0o600);
  });

  it("refuses a folder with mode 0755 at create, and writes nothing", async () => {
    const dir = join(root, "open");
    await mkdir(dir);
    await chmod(dir, 0o755);
    const error = await rejection(fileStore.create({ dir: "open" }, context()) as Promise<unknown>);
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect((error as StoreOptionsError).key).toBe("dir");
    expect(error.message).toContain(dir);
    expect(error.message).toContain("0755");
    expect(error.message).toContain(`chmod 700 ${dir}`);
    expect(error.message).not.toContain("\n");
    expect(await readdir(dir)).toEqual([]);
    expect(mode(await stat(dir))).toBe(0o755);
  });

  it("refuses a folder that is group-writable only", async () => {
    const dir = join(root, "group");
    await mkdir(dir);
    await chmod(dir, 0o720);
    const error = await rejection(createFileStore({ dir }));
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect(error.message).toContain("0720");
  });

  it("refuses a dir that is a file", async () => {
    await writeFile(join(root, "file"), "x");
    const error = await rejection(createFileStore({ dir: join(root, "file") }));
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect((error as StoreOptionsError).key).toBe("dir");
  });

  it("refuses to read a group-readable secret file and never returns its content", async () => {
    const dir = join(root, "s");
    const store = await createFileStore({ dir }, { storeId: "vault" });
    await store.put("pc", CANARY, metadata());
    const path = join(dir, "pc");
    await chmod(path, 0o640);
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(`refuses to read ${path}`);
    expect(error.message).toContain("mode 0640");
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect(error.message).not.toContain(CANARY);
    expect((error as StoreError).storeId).toBe("vault");
    expect((error as StoreError).secretName).toBe("pc");

    await chmod(path, 0o644);
    expect((await rejection(store.get("pc"))).message).toContain("mode 0644");
    await chmod(path, 0o600);
    expect((await store.get("pc"))?.value).toBe(CANARY);
  });

  it.skipIf(!isRoot)("refuses a secret file owned by another user", async () => {
    const dir = join(root, "s");
    const store = await createFileStore({ dir });
    await store.put("pc", CANARY, metadata());
    await chown(join(dir, "pc"), 4242, 4242);
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("uid 4242");
    expect(error.message).not.toContain(CANARY);
  });

  it.skipIf(!isRoot)("refuses a folder owned by another user", async () => {
    const dir = join(root, "theirs");
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, 4242, 4242);
    const error = await rejection(createFileStore({ dir }));
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect(error.message).toContain("uid 4242");
  });
});

describe("files", () => {
  let dir: string;
  beforeEach(() => {
    dir = join(root, "secrets");
  });

  it("writes a JSON envelope with a generation counter and metadata", async () => {
    const store = await createFileStore({ dir });
    expect(await store.put("pc", CANARY, metadata())).toEqual({ version: "1" });
    expect(await store.put("pc", `${CANARY}-2`, metadata())).toEqual({ version: "2" });
    const text = await readFile(join(dir, "pc"), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const envelope = JSON.parse(text) as FileEnvelope;
    expect(envelope).toEqual({
      partnerd: 1,
      version: "2",
      updatedAt: expect.any(String),
      metadata: {
        profile: "pc",
        fingerprint: `fp-${CANARY.length}`,
        refreshedAt: "2026-01-02T03:04:05.000Z",
        expiresByInactivityAt: "2026-04-02T03:04:05.000Z",
      },
      check: envelopeCheck("2", `${CANARY}-2`),
      value: `${CANARY}-2`,
    });
    expect(Object.keys(envelope).at(-1)).toBe("value");
    const stored = await store.get("pc");
    expect(stored?.version).toBe("2");
    expect(stored?.updatedAt?.toISOString()).toBe(envelope.updatedAt);
  });

  it("keeps the previous version in <name>.previous", async () => {
    const store = await createFileStore({ dir });
    await store.put("pc", "first", metadata());
    await expect(stat(join(dir, "pc.previous"))).rejects.toMatchObject({ code: "ENOENT" });
    const firstBytes = await readFile(join(dir, "pc"), "utf8");
    await store.put("pc", "second", metadata());
    expect(await readFile(join(dir, "pc.previous"), "utf8")).toBe(firstBytes);
    await store.put("pc", "third", metadata());
    const previous = JSON.parse(await readFile(join(dir, "pc.previous"), "utf8")) as FileEnvelope;
    expect(previous).toMatchObject({ version: "2", value: "second" });
    expect((await store.get("pc"))?.value).toBe("third");
    // `.previous` is the old file itself (hard-linked, then renamed), never a second name of the new one.
    expect((await stat(join(dir, "pc"))).nlink).toBe(1);
    expect((await stat(join(dir, "pc.previous"))).nlink).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(["pc", "pc.previous"]);
  });

  it("writes the new value into the file `.previous` held, so no file is created or freed per put", async () => {
    const store = await createFileStore({ dir });
    const inode = async (name: string) => (await stat(join(dir, name))).ino;
    await store.put("pc", "first-and-longer-than-the-rest", metadata());
    const first = await inode("pc");
    await store.put("pc", "second", metadata());
    const second = await inode("pc");
    expect(await inode("pc.previous")).toBe(first);
    await store.put("pc", "third", metadata());
    expect(await inode("pc")).toBe(first); // the old `.previous`, rewritten and renamed into place
    expect(await inode("pc.previous")).toBe(second);
    expect(await store.get("pc")).toMatchObject({ value: "third", version: "3" });
    const previous = JSON.parse(await readFile(join(dir, "pc.previous"), "utf8")) as FileEnvelope;
    expect(previous).toMatchObject({ value: "second", version: "2" });
    expect(JSON.parse(await readFile(join(dir, "pc"), "utf8"))).toMatchObject({ value: "third" }); // no old tail
    expect(mode(await stat(join(dir, "pc")))).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(["pc", "pc.previous"]);
  });

  it("never rewrites a `.previous` that has another name or that others can read: it is replaced instead", async () => {
    const store = await createFileStore({ dir });
    await store.put("pc", "first", metadata());
    await store.put("pc", "second", metadata());
    const { link } = await import("node:fs/promises");
    await link(join(dir, "pc.previous"), join(dir, "backup")); // a person's hard-linked copy
    const backup = await readFile(join(dir, "backup"), "utf8");
    await store.put("pc", "third", metadata());
    expect(await readFile(join(dir, "backup"), "utf8")).toBe(backup);
    expect(JSON.parse(await readFile(join(dir, "pc.previous"), "utf8"))).toMatchObject({ value: "second" });
    await chmod(join(dir, "pc.previous"), 0o644);
    const loose = await open(join(dir, "pc.previous")); // still readable after the put replaces its name
    const looseBytes = await loose.readFile("utf8");
    await store.put("pc", "fourth", metadata());
    expect(await loose.read({ position: 0 }).then((r) => r.buffer.subarray(0, r.bytesRead).toString())).toBe(
      looseBytes,
    );
    await loose.close();
    expect(await store.get("pc")).toMatchObject({ value: "fourth", version: "4" });
    expect(mode(await stat(join(dir, "pc.previous")))).toBe(0o600);
  });

  it("leaves no temp files behind", async () => {
    const store = await createFileStore({ dir });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(`s${i % 3}`, `value-${i}`, metadata())));
    await store.close();
    expect((await readdir(dir)).sort()).toEqual([
      "s0",
      "s0.previous",
      "s1",
      "s1.previous",
      "s2",
      "s2.previous",
    ]);
  });

  it("serializes parallel puts to one name: versions 1..n, last write wins", async () => {
    const store = await createFileStore({ dir });
    const values = Array.from({ length: 12 }, (_, i) => `value-${i}`);
    const results = await Promise.all(values.map((value) => store.put("pc", value, metadata())));
    expect(results.map((r) => r.version)).toEqual(values.map((_, i) => String(i + 1)));
    expect(await store.get("pc")).toMatchObject({ value: "value-11", version: "12" });
    const previous = JSON.parse(await readFile(join(dir, "pc.previous"), "utf8")) as FileEnvelope;
    expect(previous).toMatchObject({ value: "value-10", version: "11" });
  });

  it("reads a plain-text token seeded by hand, trimmed, as version 0", async () => {
    const store = await createFileStore({ dir });
    await writeFile(join(dir, "pc"), `  ${CANARY}\n\n`, { mode: 0o600 });
    const stored = await store.get("pc");
    expect(stored).toMatchObject({ value: CANARY, version: "0" });
    expect(stored?.updatedAt).toBeInstanceOf(Date);
    expect(await store.put("pc", "rotated", metadata())).toEqual({ version: "1" });
    expect(await readFile(join(dir, "pc.previous"), "utf8")).toBe(`  ${CANARY}\n\n`);
  });

  it("returns an empty value for an empty file", async () => {
    const store = await createFileStore({ dir });
    await writeFile(join(dir, "pc"), "", { mode: 0o600 });
    expect(await store.get("pc")).toMatchObject({ value: "", version: "0" });
    await writeFile(join(dir, "ws"), " \n", { mode: 0o600 });
    expect(await store.get("ws")).toMatchObject({ value: "", version: "0" });
  });

  it("returns null only for a missing name", async () => {
    const store = await createFileStore({ dir });
    expect(await store.get("missing")).toBeNull();
    await mkdir(join(dir, "folder"));
    expect(await rejection(store.get("folder"))).toBeInstanceOf(StoreError);
  });

  it.each([
    ["not JSON", `{"partnerd":1,"version":"1","value":"${CANARY}"`],
    ["unquoted value", `{"partnerd":1,"version":"1","value":x${CANARY}}`],
    ["not an object", "{}}"],
    ["no format", `{"version":"1","value":"${CANARY}"}`],
    ["future format", `{"partnerd":2,"version":"1","value":"${CANARY}"}`],
    ["bad version", `{"partnerd":1,"version":"x","value":"${CANARY}"}`],
    ["numeric version", `{"partnerd":1,"version":3,"value":"${CANARY}"}`],
    ["no value", `{"partnerd":1,"version":"1","token":"${CANARY}"}`],
    ["bad updatedAt", `{"partnerd":1,"version":"1","updatedAt":"soon","value":"${CANARY}"}`],
    ["bad metadata", `{"partnerd":1,"version":"1","metadata":"${CANARY}","value":"${CANARY}"}`],
  ])("throws on a corrupt envelope (%s) without quoting it", async (_label, content) => {
    const store = await createFileStore({ dir }, { storeId: "vault" });
    await writeFile(join(dir, "pc"), content, { mode: 0o600 });
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("corrupt");
    expect(error.message).toContain("pc.previous");
    expect(error.message).not.toContain(CANARY);
    expect(error.message).not.toContain("CANARY");
    expect(error.cause).toBeUndefined();
  });

  it("replaces a corrupt file on put, setting its bytes aside in .corrupt", async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const store = await createFileStore({ dir }, { logger });
    await writeFile(join(dir, "pc"), "{broken", { mode: 0o600 });
    expect(await store.put("pc", "fresh", metadata())).toEqual({ version: "1" });
    expect(await readFile(join(dir, "pc.corrupt"), "utf8")).toBe("{broken");
    expect((await store.get("pc"))?.value).toBe("fresh");
    expect(warnings).toHaveLength(1);
  });

  it.each([
    "",
    ".hidden",
    "../escape",
    "a/b",
    "a\\b",
    "a..b",
    "pc.previous",
    "pc.corrupt",
    "-dash",
    "with space",
    "new\nline",
    "x".repeat(201),
  ])("rejects the secret name %j", async (name) => {
    const store = await createFileStore({ dir }, { storeId: "vault" });
    for (const operation of [() => store.get(name), () => store.put(name, CANARY, metadata())]) {
      const error = await rejection(operation());
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toContain(`invalid secret name ${JSON.stringify(name)}`);
      expect(error.message).not.toContain(CANARY);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("accepts names with dots, dashes and underscores", async () => {
    const store = await createFileStore({ dir });
    for (const name of ["pc", "PC.prod-1_a", "0abc", "a.b.c", "token.previous-not"]) {
      await store.put(name, CANARY, metadata());
      expect((await store.get(name))?.value).toBe(CANARY);
    }
  });

  it("close() drains writes and is idempotent", async () => {
    const store = await createFileStore({ dir });
    const pending = store.put("pc", CANARY, metadata());
    await store.close?.();
    await store.close?.();
    await pending;
    expect((await store.get("pc"))?.value).toBe(CANARY);
  });

  it("never puts the secret value in an error message", async () => {
    const store = await createFileStore({ dir }, { storeId: "vault" });
    const messages: string[] = [];
    const collect = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        messages.push(String((error as Error).message), String((error as Error).stack));
      }
    };
    await collect(store.put("../bad", CANARY, metadata()));
    await collect(store.put("pc", CANARY as unknown as string, undefined as unknown as SecretMetadata));
    await writeFile(join(dir, "corrupt"), `{"value":"${CANARY}"`, { mode: 0o600 });
    await collect(store.get("corrupt"));
    if (posix) {
      await writeFile(join(dir, "loose"), CANARY, { mode: 0o600 });
      await chmod(join(dir, "loose"), 0o644);
      await collect(store.get("loose"));
    }
    await collect(Promise.resolve().then(() => fileStore.create({ dir: [CANARY] }, context())));
    await collect(Promise.resolve().then(() => fileStore.create({ dir, token: CANARY }, context())));
    // A folder in the way of the file makes put fail with an I/O error.
    await mkdir(join(dir, "blocked"));
    await collect(store.put("blocked", CANARY, metadata()));
    expect(messages.length).toBeGreaterThanOrEqual(8);
    for (const message of messages) expect(message).not.toContain(CANARY);
  });

  it("rejects a non-string value", async () => {
    const store = await createFileStore({ dir });
    const error = await rejection(store.put("pc", 42 as unknown as string, metadata()));
    expect(error).toBeInstanceOf(StoreError);
  });
});

describe.skipIf(!posix || isRoot)("as an ordinary user", () => {
  it("reports an unreadable file as a StoreError, not null", async () => {
    const dir = join(root, "s");
    const store = await createFileStore({ dir });
    await store.put("pc", CANARY, metadata());
    await chmod(join(dir, "pc"), 0o000);
    expect(await rejection(store.get("pc"))).toBeInstanceOf(StoreError);
  });
});

describe("damage and interrupted writes", () => {
  it("sets a damaged file aside as .corrupt and keeps the last good value in .previous", async () => {
    const dir = join(root, "secrets");
    const store = await createFileStore({ dir }, context());
    await store.put("pc", "RT-good-1", metadata());
    await store.put("pc", "RT-good-2", metadata());
    await writeFile(join(dir, "pc"), '{"partnerd":1,"version":', { mode: 0o600 });

    const { version } = await store.put("pc", "RT-after-damage", metadata());
    expect(version).toBe("2");
    expect((await store.get("pc"))?.value).toBe("RT-after-damage");
    const previous = JSON.parse(await readFile(join(dir, "pc.previous"), "utf8")) as FileEnvelope;
    expect(previous.value).toBe("RT-good-1");
    expect(await readFile(join(dir, "pc.corrupt"), "utf8")).toBe('{"partnerd":1,"version":');
    expect(mode(await stat(join(dir, "pc.corrupt")))).toBe(0o600);
  });

  it("a token a person wrote by hand is kept in .previous when partnerd first writes", async () => {
    const dir = join(root, "secrets");
    const store = await createFileStore({ dir }, context());
    await writeFile(join(dir, "pc"), "RT-seeded-by-hand\n", { mode: 0o600 });
    await store.put("pc", "RT-rotated", metadata());
    expect(await readFile(join(dir, "pc.previous"), "utf8")).toBe("RT-seeded-by-hand\n");
  });

  it("removes temp files an interrupted write left behind, but only stale ones", async () => {
    const dir = join(root, "secrets");
    await mkdir(dir, { mode: 0o700 });
    const stale = join(dir, ".pc.0123456789ab.tmp");
    const fresh = join(dir, ".pc.ba9876543210.tmp");
    await writeFile(stale, "RT-half-written", { mode: 0o600 });
    await writeFile(fresh, "RT-being-written", { mode: 0o600 });
    const { utimes } = await import("node:fs/promises");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await createFileStore({ dir }, context());
    expect((await readdir(dir)).sort()).toEqual([".pc.ba9876543210.tmp"]);
  });
});
