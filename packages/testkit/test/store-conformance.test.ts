import type { SecretStore, StoredSecret } from "@partnerd/core";
import { describe, expect, it } from "vitest";
import { STORE_CONFORMANCE_CHECKS, storeConformance, type TestFunction } from "../src/store-conformance.ts";

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

/** Runs the check with id `id` against `store`; resolves with its error or undefined when it passes. */
async function runCheck(id: string, factory: () => SecretStore): Promise<unknown> {
  const check = collect(factory).find((entry) => entry.name.includes(`[${id}]`));
  if (!check) throw new Error(`no check ${id}`);
  try {
    await check.fn({ expect });
    return undefined;
  } catch (error) {
    return error;
  }
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
    await expect(first!.fn({ expect })).rejects.toThrow();
    expect((stores[0] as unknown as { closedCount: number }).closedCount).toBe(1);
  });

  it("fails a store that returns undefined for a missing name", async () => {
    const broken = () => ({ ...memoryStore(), get: async () => undefined as unknown as null });
    expect(await runCheck("get-missing", broken)).toBeDefined();
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
    expect(await runCheck("version-changes", broken)).toBeDefined();
  });

  it("fails a store that trims or re-encodes values", async () => {
    const broken = () => {
      const store = memoryStore();
      return { ...store, put: (n: string, v: string, m: never) => store.put(n, v.replace(/=+$/, ""), m) };
    };
    expect(await runCheck("token-characters", broken)).toBeDefined();
  });

  it("fails a store that truncates large values", async () => {
    const broken = () => {
      const store = memoryStore();
      return { ...store, put: (n: string, v: string, m: never) => store.put(n, v.slice(0, 8192), m) };
    };
    expect(await runCheck("large-value", broken)).toBeDefined();
  });

  it("fails a store that maps '.', '-' and '_' to the same key", async () => {
    const broken = () => {
      const store = memoryStore();
      const key = (n: string) => n.replace(/[._-]/g, "-");
      return {
        ...store,
        get: (n: string) => store.get(key(n)),
        put: (n: string, v: string, m: never) => store.put(key(n), v, m),
      };
    };
    expect(await runCheck("name-characters", broken)).toBeDefined();
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
    expect(await runCheck("parallel-same-name", broken)).toBeDefined();
  });

  it("fails a store with a non-boolean capability", async () => {
    const broken = () => ({ ...memoryStore(), capabilities: { versions: 1, tags: true } as never });
    expect(await runCheck("capabilities", broken)).toBeDefined();
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
    expect(await runCheck("close-twice", broken)).toBeDefined();
  });
});
