import type { SecretStore, StoredSecret } from "@partnerd/core";
import { describe, expect, it } from "vitest";
import {
  type ConformanceAssertion,
  STORE_CONFORMANCE_CHECKS,
  storeConformance,
  type TestFunction,
} from "../src/store-conformance.ts";

/** The smallest correct store: a Map with a per-put counter. */
function memoryStore(): SecretStore {
  const secrets = new Map<string, StoredSecret>();
  let counter = 0;
  let closed = 0;
  return {
    capabilities: { versions: false, tags: false, softDelete: false },
    async get(name) {
      return secrets.get(name) ?? null;
    },
    async put(name, value) {
      const version = String(++counter);
      secrets.set(name, { value, version, updatedAt: new Date() });
      return { version };
    },
    async close() {
      closed++;
    },
    get closedCount() {
      return closed;
    },
  } as SecretStore;
}

type Registered = { name: string; fn: Parameters<TestFunction>[1] };

function collect(factory: () => SecretStore, options?: Parameters<typeof storeConformance>[2]): Registered[] {
  const registered: Registered[] = [];
  storeConformance((name, fn) => registered.push({ name, fn }), factory, options);
  return registered;
}

/** An assertion of the suite that did not hold. */
interface FailedAssertion {
  /** e.g. `toBe`, `not.toBe`. */
  matcher: string;
  actual: unknown;
  expected: unknown;
  error: Error;
}

type Matcher = Exclude<keyof ConformanceAssertion, "not">;
const MATCHERS: Matcher[] = ["toBe", "toEqual", "toBeNull", "toBeTypeOf", "toContain", "toBeGreaterThan"];

/** vitest's `expect`, noting every assertion that fails in `failed`. */
function recordingExpect(failed: FailedAssertion[]) {
  return (actual: unknown): ConformanceAssertion => {
    const assertion = (negated: boolean): ConformanceAssertion => {
      const matchers = Object.fromEntries(
        MATCHERS.map((matcher) => [
          matcher,
          (...args: unknown[]) => {
            const target = negated ? expect(actual).not : expect(actual);
            try {
              (target[matcher] as (...a: unknown[]) => void)(...args);
            } catch (error) {
              failed.push({
                matcher: negated ? `not.${matcher}` : matcher,
                actual,
                expected: args[0],
                error: error as Error,
              });
              throw error;
            }
          },
        ]),
      ) as Record<Matcher, () => void>;
      return {
        ...matchers,
        get not() {
          return assertion(!negated);
        },
      } as ConformanceAssertion;
    };
    return assertion(false);
  };
}

/**
 * Runs the check with id `id` against a store from `factory`. Resolves with what it threw (undefined when
 * it passed) and the one suite assertion that failed, if that is what stopped it.
 */
async function runCheck(
  id: string,
  factory: () => SecretStore,
): Promise<{ error: unknown; failed: FailedAssertion | undefined }> {
  const check = collect(factory).find((entry) => entry.name.includes(`[${id}]`));
  if (!check) throw new Error(`no check ${id}`);
  const failures: FailedAssertion[] = [];
  let error: unknown;
  try {
    await check.fn({ expect: recordingExpect(failures) });
  } catch (caught) {
    error = caught;
  }
  expect(failures.length).toBeLessThanOrEqual(1);
  const failed = failures[0];
  if (failed) expect(error).toBe(failed.error); // the check stopped at that assertion, nothing else
  return { error, failed };
}

/** vitest's message for a failed `toBe` on strings (long ones are elided in the message). */
const TO_BE_FAILED = /^expected '.+' to be '.+' \/\/ Object\.is equality$/;

/** A check fails a broken store through the expected assertion, with vitest's message for it. */
function expectCaughtBy(
  result: { error: unknown; failed: FailedAssertion | undefined },
  matcher: string,
  message: string | RegExp,
): FailedAssertion {
  expect(result.error).toBeDefined();
  expect(result.failed?.matcher).toBe(matcher);
  expect((result.error as Error).message).toMatch(message);
  return result.failed!;
}

describe("against a correct in-memory store", () => {
  storeConformance(it, memoryStore, { prefix: "memory" });
});

describe("storeConformance", () => {
  it("registers one descriptively named test per check", () => {
    const names = collect(memoryStore).map((entry) => entry.name);
    expect(names).toHaveLength(STORE_CONFORMANCE_CHECKS.length);
    for (const id of STORE_CONFORMANCE_CHECKS) {
      expect(names.some((name) => name.startsWith(`store conformance [${id}]: `))).toBe(true);
    }
  });

  it("skips checks by id and throws on an id that names no check", () => {
    expect(collect(memoryStore, { skip: ["close-twice", "metadata"] })).toHaveLength(
      STORE_CONFORMANCE_CHECKS.length - 2,
    );
    expect(() => collect(memoryStore, { skip: ["close-twise"] })).toThrow(/close-twise/);
  });

  it("uses the prefix and a fresh random name per test", async () => {
    const seen: string[] = [];
    const spy = (): SecretStore => {
      const store = memoryStore();
      return {
        ...store,
        capabilities: store.capabilities,
        get: (name) => {
          seen.push(name);
          return store.get(name);
        },
      };
    };
    for (const entry of collect(spy, { prefix: "ci-run" }).slice(0, 2)) await entry.fn({ expect });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const name of seen) expect(name).toMatch(/^ci-run-[0-9a-f-]{36}/);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("closes the store after each test, even a failing one", async () => {
    const stores: SecretStore[] = [];
    const factory = () => {
      const store = memoryStore();
      stores.push(store);
      return {
        ...store,
        capabilities: store.capabilities,
        get: async () => undefined as unknown as null,
        close: store.close!,
      };
    };
    const [first] = collect(factory);
    expect(first!.name).toContain("[get-missing]");
    await expect(first!.fn({ expect })).rejects.toThrow("expected undefined to be null");
    expect((stores[0] as unknown as { closedCount: number }).closedCount).toBe(1);
  });

  it("fails a store that returns undefined for a missing name", async () => {
    const broken = () => ({ ...memoryStore(), get: async () => undefined as unknown as null });
    const failed = expectCaughtBy(
      await runCheck("get-missing", broken),
      "toBeNull",
      "expected undefined to be null",
    );
    expect(failed.actual).toBeUndefined();
  });

  it("fails a store whose versions do not change", async () => {
    const broken = () => {
      const store = memoryStore();
      return {
        ...store,
        put: async (n: string, v: string, m: never) => {
          await store.put(n, v, m);
          return { version: "1" };
        },
      };
    };
    const failed = expectCaughtBy(
      await runCheck("version-changes", broken),
      "not.toBe",
      "expected '1' not to be '1'",
    );
    expect([failed.actual, failed.expected]).toEqual(["1", "1"]);
  });

  it("fails a store that trims or re-encodes values", async () => {
    const broken = () => {
      const store = memoryStore();
      return { ...store, put: (n: string, v: string, m: never) => store.put(n, v.replace(/=+$/, ""), m) };
    };
    const failed = expectCaughtBy(await runCheck("token-characters", broken), "toBe", TO_BE_FAILED);
    // The first value of the check, read back without its trailing '=='.
    expect(failed.expected).toBe("1.AXEAabc-DEF_ghi.AgABAwEAAAApTwJmzXqdR4BN2miheQMYAgDs_wUA9P8_xyz==");
    expect(failed.actual).toBe("1.AXEAabc-DEF_ghi.AgABAwEAAAApTwJmzXqdR4BN2miheQMYAgDs_wUA9P8_xyz");
  });

  it("fails a store that truncates large values", async () => {
    const broken = () => {
      const store = memoryStore();
      return { ...store, put: (n: string, v: string, m: never) => store.put(n, v.slice(0, 8192), m) };
    };
    const failed = expectCaughtBy(await runCheck("large-value", broken), "toBe", TO_BE_FAILED);
    const expected = failed.expected as string;
    expect(expected).toHaveLength(16 * 1024);
    expect(failed.actual).toBe(expected.slice(0, 8192));
  });

  it("fails a store that maps '.', '-' and '_' to the same key", async () => {
    const written = new Map<string, string>();
    const broken = () => {
      const store = memoryStore();
      const key = (n: string) => n.replace(/[._-]/g, "-");
      return {
        ...store,
        get: (n: string) => store.get(key(n)),
        put: (n: string, v: string, m: never) => {
          written.set(n, v);
          return store.put(key(n), v, m);
        },
      };
    };
    const failed = expectCaughtBy(await runCheck("name-characters", broken), "toBe", TO_BE_FAILED);
    // Reading `<base>.a` returned what was written to `<base>_a`, the last of the names that collide.
    const names = [...written.keys()];
    expect(names[0]).toMatch(/\.a$/);
    expect(names[2]).toMatch(/_a$/);
    expect(failed.expected).toBe(written.get(names[0]!));
    expect(failed.actual).toBe(written.get(names[2]!));
  });

  it("fails a store whose parallel puts interleave into garbage", async () => {
    const broken = () => {
      const store = memoryStore();
      let last = "";
      return {
        ...store,
        put: async (n: string, v: string, m: never) => {
          const mixed = last.slice(0, 100) + v.slice(100);
          last = v;
          await new Promise((r) => setTimeout(r, 1));
          return store.put(n, mixed, m);
        },
      };
    };
    const failed = expectCaughtBy(
      await runCheck("parallel-same-name", broken),
      "toContain",
      /^expected \[ .* \] to include '/,
    );
    const values = failed.actual as string[];
    const stored = failed.expected as string;
    expect(values).toHaveLength(8);
    expect(values).not.toContain(stored);
    // The garbage: the head of one written value spliced onto the tail of another.
    expect(values.some((v) => v.slice(100) === stored.slice(100))).toBe(true);
    expect(values.some((v) => v.slice(0, 100) === stored.slice(0, 100))).toBe(true);
  });

  it("fails a store with a non-boolean capability", async () => {
    const broken = () => ({ ...memoryStore(), capabilities: { versions: 1, tags: true } as never });
    const failed = expectCaughtBy(
      await runCheck("capabilities", broken),
      "toBeTypeOf",
      "expected 1 to be type of 'boolean'",
    );
    expect([failed.actual, failed.expected]).toEqual([1, "boolean"]);
  });

  it("fails a store whose second close throws", async () => {
    const broken = () => {
      let closed = false;
      return {
        ...memoryStore(),
        close: async () => {
          if (closed) throw new Error("already closed");
          closed = true;
        },
      };
    };
    const { error, failed } = await runCheck("close-twice", broken);
    expect(failed).toBeUndefined(); // no assertion: the second close() itself throws out of the check
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("already closed");
  });
});
