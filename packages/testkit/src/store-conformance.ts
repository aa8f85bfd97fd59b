/**
 * The partnerd store conformance suite: the behaviour the engine relies on from every `SecretStore`.
 *
 * Run it from your store's tests, passing your runner's `test`/`it` and a factory for a fresh store:
 *
 * ```ts
 * import { it } from "vitest";
 * import { storeConformance } from "@partnerd/testkit";
 * storeConformance(it, () => createMyStore({ vault: process.env.TEST_VAULT! }), { prefix: "ci" });
 * ```
 *
 * Each check is its own test with a descriptive name; every test writes fresh random names
 * (`${prefix}-${uuid}`), so the suite can run against a shared, long-lived backend. The suite never
 * deletes what it writes (the contract has no delete): point it at a scratch vault, bucket or folder.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { SecretMetadata, SecretStore } from "@partnerd/core";

/** The few matchers the suite uses; vitest's and jest's `expect` both fit. */
export interface ConformanceAssertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toBeTypeOf(expected: "string" | "boolean" | "function" | "object" | "undefined"): void;
  toContain(expected: unknown): void;
  toBeGreaterThan(expected: number): void;
  not: ConformanceAssertion;
}

/** A test runner's `test`/`it`, reduced to what the suite calls (keyv style: the suite never imports a runner). */
export type TestFunction = (
  name: string,
  fn: (context: { expect: (actual: unknown) => ConformanceAssertion }) => unknown,
) => void;

export type StoreFactory = () => SecretStore | Promise<SecretStore>;

/** Ids of the checks, for `skip`. */
export const STORE_CONFORMANCE_CHECKS = [
  "get-missing",
  "round-trip",
  "version-string",
  "version-changes",
  "get-version",
  "stored-secret-shape",
  "overwrite",
  "large-value",
  "token-characters",
  "name-characters",
  "parallel-names",
  "parallel-same-name",
  "capabilities",
  "close-twice",
  "metadata",
] as const;

export type StoreConformanceCheck = (typeof STORE_CONFORMANCE_CHECKS)[number];

export interface StoreConformanceOptions {
  /**
   * Start of every secret name the suite writes (letters, digits, '.', '_', '-').
   * @default "partnerd-conformance"
   */
  prefix?: string;
  /** Check ids (see `STORE_CONFORMANCE_CHECKS`) to leave out; an id that names no check throws, to catch typos. */
  skip?: readonly (StoreConformanceCheck | (string & {}))[];
}

/**
 * Registers one test per conformance check. `factory` is called once per test; the store is closed
 * (when it has `close`) at the end of each test, pass or fail.
 */
export function storeConformance(
  test: TestFunction,
  factory: StoreFactory,
  options: StoreConformanceOptions = {},
): void {
  const prefix = options.prefix ?? "partnerd-conformance";
  const skip = new Set(options.skip ?? []);
  for (const id of skip) {
    if (!(STORE_CONFORMANCE_CHECKS as readonly string[]).includes(id)) {
      throw new Error(`storeConformance: skip names no check: ${JSON.stringify(id)}`);
    }
  }
  const newName = (suffix = "") => `${prefix}-${randomUUID()}${suffix}`;

  const check = (
    id: StoreConformanceCheck,
    title: string,
    body: (store: SecretStore, expect: (actual: unknown) => ConformanceAssertion) => Promise<void>,
  ) => {
    if (skip.has(id)) return;
    test(`store conformance [${id}]: ${title}`, async ({ expect }) => {
      const store = await factory();
      try {
        await body(store, expect);
      } finally {
        await store.close?.();
      }
    });
  };

  check("get-missing", "get of a name never written resolves null", async (store, expect) => {
    expect(await store.get(newName())).toBeNull();
  });

  check("round-trip", "put then get returns the value", async (store, expect) => {
    const name = newName();
    const value = fakeToken();
    await store.put(name, value, metadataFor(value));
    expect((await store.get(name))?.value).toBe(value);
  });

  check("version-string", "put resolves with a non-empty version string", async (store, expect) => {
    const value = fakeToken();
    const { version } = await store.put(newName(), value, metadataFor(value));
    expect(version).toBeTypeOf("string");
    expect(version.length).toBeGreaterThan(0);
  });

  check("version-changes", "a second put returns a different version", async (store, expect) => {
    const name = newName();
    const first = fakeToken();
    const second = fakeToken();
    const a = await store.put(name, first, metadataFor(first));
    const b = await store.put(name, second, metadataFor(second));
    expect(b.version).toBeTypeOf("string");
    expect(b.version).not.toBe(a.version);
  });

  check("get-version", "get reports the version the last put returned", async (store, expect) => {
    const name = newName();
    const first = fakeToken();
    const second = fakeToken();
    await store.put(name, first, metadataFor(first));
    const { version } = await store.put(name, second, metadataFor(second));
    expect((await store.get(name))?.version).toBe(version);
  });

  check(
    "stored-secret-shape",
    "get returns { value, version, updatedAt? } with a valid date",
    async (store, expect) => {
      const name = newName();
      const value = fakeToken();
      await store.put(name, value, metadataFor(value));
      const stored = await store.get(name);
      expect(stored).not.toBeNull();
      expect(stored?.value).toBeTypeOf("string");
      expect(stored?.version).toBeTypeOf("string");
      expect(stored?.version.length).toBeGreaterThan(0);
      if (stored?.updatedAt !== undefined) {
        expect(stored.updatedAt instanceof Date && !Number.isNaN(stored.updatedAt.getTime())).toBe(true);
      }
    },
  );

  check("overwrite", "after several puts get returns the newest value", async (store, expect) => {
    const name = newName();
    const values = [fakeToken(), fakeToken(), fakeToken()];
    for (const value of values) await store.put(name, value, metadataFor(value));
    expect((await store.get(name))?.value).toBe(values[2]);
  });

  check("large-value", "a 16 KiB value round-trips exactly", async (store, expect) => {
    const name = newName();
    const value = fakeToken(16 * 1024);
    expect(value.length).toBe(16 * 1024);
    await store.put(name, value, metadataFor(value));
    expect((await store.get(name))?.value).toBe(value);
  });

  check(
    "token-characters",
    "values with '=', '/', '+', '.', '-', '_' round-trip exactly",
    async (store, expect) => {
      const values = [
        "1.AXEAabc-DEF_ghi.AgABAwEAAAApTwJmzXqdR4BN2miheQMYAgDs_wUA9P8_xyz==",
        "a+b/c=d.e-f_g",
        "==//++..--__",
        `0.${randomUUID()}/${randomUUID()}+=.-_`,
      ];
      for (const value of values) {
        const name = newName();
        await store.put(name, value, metadataFor(value));
        expect((await store.get(name))?.value).toBe(value);
      }
    },
  );

  check("name-characters", "names with '.', '-', '_' work and stay distinct", async (store, expect) => {
    const base = newName();
    const names = [`${base}.a`, `${base}-a`, `${base}_a`, `${base}.b-c_d`];
    const values = names.map(() => fakeToken());
    for (const [i, name] of names.entries()) await store.put(name, values[i]!, metadataFor(values[i]!));
    for (const [i, name] of names.entries()) expect((await store.get(name))?.value).toBe(values[i]);
    expect(await store.get(base)).toBeNull();
    expect(await store.get(`${base}.b`)).toBeNull();
  });

  check("parallel-names", "parallel puts to different names all land", async (store, expect) => {
    const entries = Array.from({ length: 8 }, () => ({ name: newName(), value: fakeToken() }));
    await Promise.all(entries.map(({ name, value }) => store.put(name, value, metadataFor(value))));
    for (const { name, value } of entries) expect((await store.get(name))?.value).toBe(value);
  });

  check(
    "parallel-same-name",
    "parallel puts to one name leave exactly one of the written values",
    async (store, expect) => {
      const name = newName();
      const values = Array.from({ length: 8 }, () => fakeToken(2048));
      const results = await Promise.all(values.map((value) => store.put(name, value, metadataFor(value))));
      for (const { version } of results) expect(version).toBeTypeOf("string");
      const stored = await store.get(name);
      expect(values).toContain(stored?.value);
    },
  );

  check(
    "capabilities",
    "capabilities has versions, tags and softDelete as booleans (durableWrites too, when declared)",
    async (store, expect) => {
      expect(store.capabilities).toBeTypeOf("object");
      expect(store.capabilities.versions).toBeTypeOf("boolean");
      expect(store.capabilities.tags).toBeTypeOf("boolean");
      expect(store.capabilities.softDelete).toBeTypeOf("boolean");
      if (store.capabilities.durableWrites !== undefined) {
        expect(store.capabilities.durableWrites).toBeTypeOf("boolean");
      }
    },
  );

  check("close-twice", "close() may be called twice", async (store) => {
    if (store.close === undefined) return;
    const value = fakeToken();
    await store.put(newName(), value, metadataFor(value));
    await store.close();
    await store.close();
  });

  check("metadata", "put accepts full metadata, including far-future dates", async (store, expect) => {
    const name = newName();
    const value = fakeToken();
    const metadata: SecretMetadata = {
      profile: "conformance.profile-with_punctuation",
      fingerprint: fingerprintOf(value),
      refreshedAt: new Date(),
      expiresByInactivityAt: new Date(Date.UTC(2199, 11, 31, 23, 59, 59)),
    };
    const { version } = await store.put(name, value, metadata);
    expect(version).toBeTypeOf("string");
    expect((await store.get(name))?.value).toBe(value);
  });
}

// --- Internal helpers ---

/** A random value shaped like an Entra refresh token (base64url with dots), `length` characters. */
function fakeToken(length = 1200): string {
  const chars = randomBytes(length).toString("base64url").slice(0, length).split("");
  for (let i = 1; i < length - 1; i += 97) chars[i] = ".";
  return chars.join("");
}

function fingerprintOf(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 12);
}

function metadataFor(value: string): SecretMetadata {
  const now = new Date();
  return {
    profile: "conformance",
    fingerprint: fingerprintOf(value),
    refreshedAt: now,
    expiresByInactivityAt: new Date(now.getTime() + 90 * 24 * 60 * 60 * 1000),
  };
}
