import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  type LogFields,
  type Logger,
  PartnerdError,
  type SecretMetadata,
  STORE_API_VERSION,
  type StoreContext,
  StoreError,
  StoreOptionsError,
  standaloneStoreContext,
} from "@partnerd/core";
import { FakeEntra, FakeKeyVault } from "@partnerd/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import keyVaultStore, {
  authorityHostForVault,
  createKeyVaultStore,
  DEFAULT_CONTENT_TYPE,
  type KeyVaultStore,
  STORE_NAME,
} from "../src/index.ts";

const CANARY = `0.CANARY-${randomUUID()}.refresh+token/value=`;

let entra: FakeEntra;
let kv: FakeKeyVault;
let configDir: string;
let clientId: string;
const stores: KeyVaultStore[] = [];

beforeAll(async () => {
  entra = await FakeEntra.start();
  kv = await FakeKeyVault.start({ tenantId: entra.tenantId, authority: entra.url });
  clientId = randomUUID();
  const clientSecret = `SECRET-${randomUUID()}`;
  entra.registerClient({ clientId, clientSecret });
  configDir = await mkdtemp(join(tmpdir(), "partnerd-keyvault-store-"));
  await writeFile(join(configDir, "client-secret"), `${clientSecret}\n`, { mode: 0o600 });
  await writeFile(join(configDir, "ca.pem"), kv.caPem);
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await kv?.close();
  await entra?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

/** Options that reach the fakes; `overrides` replace top-level keys. */
function options(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    vaultUrl: kv.url,
    caFile: "ca.pem",
    verifyChallengeResource: false,
    credential: {
      type: "client-secret",
      tenantId: entra.tenantId,
      clientId,
      clientSecret: { file: "client-secret" },
      authorityHost: entra.url,
    },
    retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    recovery: { timeoutSeconds: 5, pollIntervalMs: 10 },
    ...overrides,
  };
}

interface LogLine {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

function context(logs: LogLine[] = []): StoreContext {
  const logger: Logger = {
    debug: (message, fields) => void logs.push({ level: "debug", message, fields }),
    info: (message, fields) => void logs.push({ level: "info", message, fields }),
    warn: (message, fields) => void logs.push({ level: "warn", message, fields }),
    error: (message, fields) => void logs.push({ level: "error", message, fields }),
    child: () => logger,
  };
  return { ...standaloneStoreContext({ configDir, storeId: "vault" }), logger };
}

async function store(overrides: Record<string, unknown> = {}, logs?: LogLine[]): Promise<KeyVaultStore> {
  const created = await createKeyVaultStore(options(overrides), context(logs));
  stores.push(created);
  return created;
}

function metadata(extra: Partial<SecretMetadata> = {}): SecretMetadata {
  return {
    profile: "pc",
    fingerprint: "3f2a9c1b7d40",
    refreshedAt: new Date("2026-05-01T03:00:00.000Z"),
    expiresByInactivityAt: new Date("2026-07-30T03:00:00.000Z"),
    ...extra,
  };
}

function newName(): string {
  return `kv-store-${randomUUID()}`;
}

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === "function" ? Promise.resolve().then(promise) : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("plugin", () => {
  it("is a store plugin named keyvault with versions, tags and soft delete", async () => {
    expect(keyVaultStore.apiVersion).toBe(STORE_API_VERSION);
    expect(keyVaultStore.name).toBe(STORE_NAME);
    expect(STORE_NAME).toBe("keyvault");
    const s = await keyVaultStore.create(options(), context());
    expect(s.capabilities).toEqual({ versions: true, tags: true, softDelete: true });
    await s.close?.();
  });

  it("creates no client and makes no request until first used", async () => {
    const before = kv.requests.length;
    const tokens = entra.tokenRequests.length;
    const s = await store();
    expect(kv.requests.length).toBe(before);
    expect(entra.tokenRequests.length).toBe(tokens);
    expect(s.vaultUrl).toBe(kv.url);
  });

  it("close() waits for a write under way and is idempotent", async () => {
    const s = await store();
    const name = newName();
    kv.latencyMs = 30;
    try {
      const pending = s.put(name, CANARY, metadata());
      await s.close();
      expect(kv.secret(name)?.value).toBe(CANARY);
      await s.close();
      await pending;
    } finally {
      kv.latencyMs = 0;
    }
    // A closed store opens a new client when used again.
    expect((await s.get(name))?.value).toBe(CANARY);
  });
});

describe("put and get", () => {
  it("writes the value with contentType and partnerd's tags, and returns the new version id", async () => {
    const s = await store();
    const name = newName();
    const { version } = await s.put(name, CANARY, metadata());
    const written = kv.secret(name);
    expect(written?.version).toBe(version);
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(written?.value).toBe(CANARY);
    expect(written?.contentType).toBe(DEFAULT_CONTENT_TYPE);
    expect(DEFAULT_CONTENT_TYPE).toBe("application/vnd.partnerd.refresh-token");
    expect(written?.tags).toEqual({
      "managed-by": "partnerd",
      profile: "pc",
      fingerprint: "3f2a9c1b7d40",
      "refreshed-at": "2026-05-01T03:00:00.000Z",
      "expires-by-inactivity-at": "2026-07-30T03:00:00.000Z",
    });

    const stored = await s.get(name);
    expect(stored).toEqual({ value: CANARY, version, updatedAt: expect.any(Date) });
    expect(Math.abs((stored?.updatedAt?.getTime() ?? 0) - Date.now())).toBeLessThan(5000);
  });

  it("every put is a new version; get reads the newest; older versions stay in the vault", async () => {
    const s = await store();
    const name = newName();
    const a = await s.put(name, "first", metadata());
    const b = await s.put(name, "second", metadata({ fingerprint: "second-fp" }));
    expect(b.version).not.toBe(a.version);
    expect(await s.get(name)).toMatchObject({ value: "second", version: b.version });
    expect(kv.versions(name).map((v) => [v.version, v.value])).toEqual([
      [a.version, "first"],
      [b.version, "second"],
    ]);
    expect(kv.secret(name)?.tags.fingerprint).toBe("second-fp");
  });

  it("uses the contentType option and keeps other tags of the version it replaces", async () => {
    const s = await store({ contentType: "text/plain" });
    const name = newName();
    kv.seed(name, "seeded", { tags: { "managed-by": "partnerd", owner: "team-x", profile: "old" } });
    await s.put(name, CANARY, metadata());
    expect(kv.secret(name)?.contentType).toBe("text/plain");
    expect(kv.secret(name)?.tags).toMatchObject({ "managed-by": "partnerd", owner: "team-x", profile: "pc" });
  });

  it("get of a missing name is null", async () => {
    const s = await store();
    expect(await s.get(newName())).toBeNull();
  });

  it("serializes parallel puts to one name", async () => {
    const s = await store();
    const name = newName();
    const values = Array.from({ length: 5 }, (_, i) => `value-${i}`);
    const results = await Promise.all(values.map((v) => s.put(name, v, metadata())));
    expect(kv.versions(name).map((v) => v.version)).toEqual(results.map((r) => r.version));
    expect((await s.get(name))?.value).toBe("value-4");
  });
});

describe("ownership", () => {
  it("refuses to overwrite a secret without the managed-by tag, writing nothing", async () => {
    const s = await store();
    const name = newName();
    kv.seed(name, "someone else's", { tags: { owner: "ops" } });
    const error = await rejection(s.put(name, CANARY, metadata()));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(`store "vault" secret "${name}"`);
    expect(error.message).toContain("did not create");
    expect(error.message).toContain('"takeover: true"');
    expect(error.message).toContain("profiles.pc.refreshToken");
    expect(error.message).not.toContain(CANARY);
    expect(kv.versions(name)).toHaveLength(1);
    expect(kv.secret(name)?.value).toBe("someone else's");
  });

  it("takes the secret over with takeover: true, then owns it", async () => {
    const logs: LogLine[] = [];
    const s = await store({}, logs);
    const name = newName();
    kv.seed(name, "someone else's", { tags: { owner: "ops" } });
    await s.put(name, CANARY, metadata({ takeover: true }));
    expect(kv.secret(name)?.tags).toMatchObject({ "managed-by": "partnerd", owner: "ops" });
    expect(logs.some((l) => l.level === "warn" && l.message.includes("taking over"))).toBe(true);
    await s.put(name, "next", metadata());
    expect(kv.secret(name)?.value).toBe("next");
    expect(JSON.stringify(logs)).not.toContain(CANARY);
  });

  it("reads a name before its first write only: later writes are one request, tags kept", async () => {
    const s = await store();
    const name = newName();
    kv.seed(name, "ours", { tags: { "managed-by": "partnerd", owner: "ops" } });
    const reads = () =>
      kv.requests.filter((r) => r.method === "GET" && r.path.toLowerCase().startsWith(`/secrets/${name}`));
    await s.put(name, "first", metadata());
    const readsBefore = reads().length; // the ownership check (after the SDK's challenge round trip)
    expect(readsBefore).toBeGreaterThan(0);
    await s.put(name.toUpperCase(), "second", metadata());
    await s.put(name, "third", metadata());
    expect(reads()).toHaveLength(readsBefore);
    expect(kv.secret(name)).toMatchObject({
      value: "third",
      tags: { "managed-by": "partnerd", owner: "ops" },
    });
    expect(kv.versions(name)).toHaveLength(4);
  });
});

describe("soft delete", () => {
  it("recovers a soft-deleted partnerd secret, waits until it reads, then writes", async () => {
    const logs: LogLine[] = [];
    const s = await store({}, logs);
    const name = newName();
    const first = await s.put(name, "before", metadata());
    kv.softDelete(name);
    kv.recoveryDelayMs = 50;
    const start = kv.requests.length;
    try {
      const { version } = await s.put(name, CANARY, metadata());
      expect(version).not.toBe(first.version);
    } finally {
      kv.recoveryDelayMs = 0;
    }
    expect(kv.isDeleted(name)).toBe(false);
    expect(kv.versions(name).map((v) => v.value)).toEqual(["before", CANARY]);
    const seen = kv.requests.slice(start).map((r) => `${r.method} ${r.path.replace(name, "N")} ${r.status}`);
    expect(seen).toContain("PUT /secrets/N 409");
    expect(seen).toContain("GET /deletedsecrets/N 200");
    expect(seen).toContain("POST /deletedsecrets/N/recover 200");
    expect(seen.at(-1)).toBe("PUT /secrets/N 200");
    expect(logs).toContainEqual({
      level: "warn",
      message: "keyvault store: recovering a soft-deleted secret before writing it",
      fields: { secret: name },
    });
  });

  it("get of a soft-deleted partnerd secret recovers it rather than reporting it missing", async () => {
    const logs: LogLine[] = [];
    const s = await store({}, logs);
    const name = newName();
    const { version } = await s.put(name, CANARY, metadata());
    kv.softDelete(name);
    kv.recoveryDelayMs = 30;
    try {
      expect(await s.get(name)).toMatchObject({ value: CANARY, version });
    } finally {
      kv.recoveryDelayMs = 0;
    }
    expect(kv.isDeleted(name)).toBe(false);
    expect(logs.map((l) => `${l.level} ${l.message}`)).toContain(
      "warn keyvault store: recovered a soft-deleted secret partnerd had written",
    );
  });

  it("get of a soft-deleted secret partnerd did not write is null, and it stays deleted", async () => {
    const s = await store();
    const name = newName();
    kv.seed(name, "theirs", { tags: { owner: "ops" } });
    kv.softDelete(name);
    expect(await s.get(name)).toBeNull();
    expect(kv.isDeleted(name)).toBe(true);
  });

  it("does not recover a soft-deleted secret partnerd did not create, unless takeover", async () => {
    const s = await store();
    const name = newName();
    kv.seed(name, "theirs", { tags: { owner: "ops" } });
    kv.softDelete(name);
    const error = await rejection(s.put(name, CANARY, metadata()));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("soft-deleted secret that partnerd did not create");
    expect(kv.isDeleted(name)).toBe(true);
    await s.put(name, CANARY, metadata({ takeover: true }));
    expect(kv.secret(name)?.value).toBe(CANARY);
  });

  it("gives up after recovery.timeoutSeconds when recovery takes too long", async () => {
    const s = await store({ recovery: { timeoutSeconds: 0.15, pollIntervalMs: 20 } });
    const name = newName();
    await s.put(name, "before", metadata());
    kv.softDelete(name);
    kv.recoveryDelayMs = 5000;
    try {
      const error = await rejection(s.put(name, CANARY, metadata()));
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toMatch(/still (recovering|answers 409)/);
      expect(error.message).toContain("recovery.timeoutSeconds");
    } finally {
      kv.recoveryDelayMs = 0;
    }
  });

  it("403 on recover names the recover permission", async () => {
    const s = await store();
    const name = newName();
    await s.put(name, "before", metadata());
    kv.softDelete(name);
    kv.deny("recover");
    try {
      const error = await rejection(s.put(name, CANARY, metadata()));
      expect(error.message).toContain('needs the "recover" secret permission');
      expect(error.message).toContain("Key Vault Secrets Officer");
    } finally {
      kv.allow();
    }
  });
});

describe("retries", () => {
  it("429 and 503 are retried by the SDK policy (Retry-After honoured)", async () => {
    const s = await store();
    const name = newName();
    await s.put(name, CANARY, metadata());
    let start = kv.requests.length;
    kv.failNext(2, { status: 429, retryAfterSeconds: 0 });
    expect((await s.get(name))?.value).toBe(CANARY);
    expect(kv.requests.slice(start).map((r) => r.status)).toEqual([429, 429, 200]);

    start = kv.requests.length;
    kv.failNext(1, { status: 503 });
    const { version } = await s.put(name, "after-503", metadata());
    // A name this store wrote before is written without reading it first.
    expect(kv.requests.slice(start).map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 503", "PUT 200"]);
    expect(kv.secret(name)?.version).toBe(version);
  });

  it("when throttling outlasts retry.maxRetries the StoreError says so", async () => {
    const s = await store({ retry: { maxRetries: 1, retryDelayInMs: 1, maxRetryDelayInMs: 1 } });
    const name = newName();
    await s.put(name, CANARY, metadata());
    kv.failNext(2, { status: 429, retryAfterSeconds: 0 });
    const error = await rejection(s.get(name));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("is throttling requests");
    expect(error.message).toContain("429 Throttled");
    expect(error.message).toContain("after 1 retries");
  });
});

describe("permissions", () => {
  it("403 on get names the get permission and the reader role", async () => {
    const s = await store();
    const name = newName();
    await s.put(name, CANARY, metadata());
    kv.deny("get");
    try {
      const error = await rejection(s.get(name));
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toContain(`store "vault" secret "${name}"`);
      expect(error.message).toContain(
        `needs the "get" secret permission (access policy) or the "Key Vault Secrets User" role on ${kv.url}`,
      );
      expect(error.message).toContain("does not have secrets get permission");
    } finally {
      kv.allow();
    }
  });

  it("403 on set names the set permission and the officer role", async () => {
    const s = await store();
    const name = newName();
    kv.deny("set");
    try {
      const error = await rejection(s.put(name, CANARY, metadata()));
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toContain(
        `needs the "set" secret permission (access policy) or the "Key Vault Secrets Officer" role on ${kv.url}`,
      );
      expect(error.message).not.toContain(CANARY);
    } finally {
      kv.allow();
    }
  });

  it("a disabled current version is reported as such", async () => {
    const s = await store();
    const name = newName();
    kv.seed(name, CANARY, { tags: { "managed-by": "partnerd" }, enabled: false });
    const error = await rejection(s.get(name));
    expect(error.message).toContain("disabled");
  });
});

describe("connection problems", () => {
  it("without caFile the fake's certificate is untrusted, and the message points at caFile", async () => {
    const s = await store({ caFile: undefined });
    const error = await rejection(s.get(newName()));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("caFile");
  });

  it("with verifyChallengeResource (the default) a non-Azure host is refused with a hint", async () => {
    const s = await store({ verifyChallengeResource: undefined });
    const error = await rejection(s.get(newName()));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("verifyChallengeResource: false");
  });

  it("a wrong client secret is a StoreError about the access token", async () => {
    await writeFile(join(configDir, "wrong-secret"), "not-the-secret\n", { mode: 0o600 });
    const s = await store({
      credential: { ...(options().credential as object), clientSecret: { file: "wrong-secret" } },
    });
    const error = await rejection(s.get(newName()));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("access token");
    expect(error.message).not.toContain("not-the-secret");
  });
});

describe("options", () => {
  const optionsError = async (opts: Record<string, unknown>, key: string) => {
    const error = await rejection(() => keyVaultStore.create(opts, context()));
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect((error as StoreOptionsError).key).toBe(key);
    expect(error.message).toContain('store "vault"');
    expect(error.message).not.toContain(CANARY);
    return error;
  };

  it("requires vaultUrl, as an https URL of just the host", async () => {
    await optionsError({}, "vaultUrl");
    await optionsError({ vaultUrl: 42 }, "vaultUrl");
    await optionsError({ vaultUrl: "" }, "vaultUrl");
    await optionsError({ vaultUrl: "not a url" }, "vaultUrl");
    expect((await optionsError({ vaultUrl: "http://x.vault.azure.net" }, "vaultUrl")).message).toContain(
      "https://",
    );
    await optionsError({ vaultUrl: "https://x.vault.azure.net/secrets/a" }, "vaultUrl");
    await optionsError({ vaultUrl: "https://x.vault.azure.net/?a=1" }, "vaultUrl");
    await optionsError({ vaultUrl: `https://user:${CANARY}@x.vault.azure.net` }, "vaultUrl");
  });

  it("rejects unknown keys, at the top and inside credential/retry/recovery", async () => {
    await optionsError({ ...options(), token: CANARY }, "token");
    await optionsError(
      { ...options(), credential: { ...(options().credential as object), secret: CANARY } },
      "credential.secret",
    );
    await optionsError({ ...options(), retry: { attempts: 3 } }, "retry.attempts");
    await optionsError({ ...options(), recovery: { timeout: 3 } }, "recovery.timeout");
    await optionsError(
      { vaultUrl: kv.url, credential: { type: "default", clientId: "x" } },
      "credential.clientId",
    );
  });

  it("rejects bad credential types and missing credential fields", async () => {
    await optionsError({ vaultUrl: kv.url, credential: { type: "password" } }, "credential.type");
    await optionsError({ vaultUrl: kv.url, credential: { type: CANARY } }, "credential.type");
    await optionsError({ vaultUrl: kv.url, credential: {} }, "credential.type");
    await optionsError({ vaultUrl: kv.url, credential: "default" }, "credential");
    await optionsError(
      { vaultUrl: kv.url, credential: { type: "client-secret", clientId: "c", clientSecret: { env: "X" } } },
      "credential.tenantId",
    );
    await optionsError(
      { vaultUrl: kv.url, credential: { type: "client-secret", tenantId: "t", clientId: "c" } },
      "credential.clientSecret",
    );
    await optionsError(
      { vaultUrl: kv.url, credential: { type: "certificate", tenantId: "t", clientId: "c" } },
      "credential.certificatePath",
    );
    await optionsError(
      {
        vaultUrl: kv.url,
        credential: { type: "certificate", tenantId: "t", clientId: "c", certificatePath: "missing.pem" },
      },
      "credential.certificatePath",
    );
    await optionsError(
      {
        vaultUrl: kv.url,
        credential: {
          type: "client-secret",
          tenantId: "t",
          clientId: "c",
          clientSecret: { env: "X" },
          authorityHost: "http://login",
        },
      },
      "credential.authorityHost",
    );
    await optionsError(
      { vaultUrl: kv.url, credential: { type: "managed-identity", clientId: 7 } },
      "credential.clientId",
    );
  });

  it("rejects wrong types for the other options", async () => {
    await optionsError({ vaultUrl: kv.url, verifyChallengeResource: "no" }, "verifyChallengeResource");
    await optionsError({ vaultUrl: kv.url, contentType: 5 }, "contentType");
    await optionsError({ vaultUrl: kv.url, retry: 3 }, "retry");
    await optionsError({ vaultUrl: kv.url, retry: { maxRetries: -1 } }, "retry.maxRetries");
    await optionsError({ vaultUrl: kv.url, retry: { retryDelayInMs: "1s" } }, "retry.retryDelayInMs");
    await optionsError({ vaultUrl: kv.url, recovery: { timeoutSeconds: 0 } }, "recovery.timeoutSeconds");
    await optionsError({ vaultUrl: kv.url, caFile: "missing-ca.pem" }, "caFile");
    await writeFile(join(configDir, "not-a-ca.pem"), CANARY);
    await optionsError({ vaultUrl: kv.url, caFile: "not-a-ca.pem" }, "caFile");
  });

  it("reports an unreadable client secret reference at create", async () => {
    const error = await rejection(() =>
      keyVaultStore.create(
        options({ credential: { ...(options().credential as object), clientSecret: { file: "nope" } } }),
        context(),
      ),
    );
    expect(error).toBeInstanceOf(PartnerdError);
    expect(error.message).toContain("credential.clientSecret");
  });

  it("accepts sovereign-cloud vaults and a managed identity without touching the network", async () => {
    for (const vaultUrl of ["https://pc.vault.azure.cn", "https://pc.vault.usgovcloudapi.net/"]) {
      const s = await createKeyVaultStore({ vaultUrl, credential: { type: "managed-identity" } }, context());
      expect(s.vaultUrl).toBe(vaultUrl.replace(/\/$/, ""));
      await s.close();
    }
    const d = await createKeyVaultStore({ vaultUrl: "https://pc.vault.azure.net" }, context());
    await d.close();
    expect(authorityHostForVault("https://pc.vault.azure.cn")).toBe("https://login.chinacloudapi.cn");
    expect(authorityHostForVault("https://pc.vault.usgovcloudapi.net")).toBe(
      "https://login.microsoftonline.us",
    );
    expect(authorityHostForVault("https://pc.vault.azure.net")).toBeUndefined();
  });
});

describe("secret names", () => {
  it.each([
    ["pc.prod", "pc-prod"],
    ["pc_prod", "pc-prod"],
    ["a.b_c", "a-b-c"],
  ])("rejects %j and suggests %j, without any request", async (name, suggestion) => {
    const s = await store();
    const before = kv.requests.length;
    for (const operation of [() => s.get(name), () => s.put(name, CANARY, metadata())]) {
      const error = await rejection(operation());
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toContain(`invalid secret name ${JSON.stringify(name)}`);
      expect(error.message).toContain(`use "${suggestion}" instead`);
      expect(error.message).not.toContain(CANARY);
    }
    expect(kv.requests.length).toBe(before);
  });

  it.each(["", "x".repeat(128), "with space", "a/b", "ä"])("rejects %j", async (name) => {
    const s = await store();
    const error = await rejection(s.put(name, CANARY, metadata()));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("letters, digits and '-'");
  });

  it("accepts 127 characters of letters, digits and dashes", async () => {
    const s = await store();
    const name = `A-${randomUUID()}`.padEnd(127, "z");
    await s.put(name, CANARY, metadata());
    expect((await s.get(name))?.value).toBe(CANARY);
  });
});

it("never puts the secret value in an error message, stack, cause or log", async () => {
  const logs: LogLine[] = [];
  const s = await store({ retry: { maxRetries: 0 } }, logs);
  const texts: string[] = [];
  const collect = async (promise: Promise<unknown>) => {
    const error = await rejection(promise);
    texts.push(error.message, String(error.stack), inspect(error, { depth: 5 }), inspect(error.cause));
  };
  const name = newName();
  kv.deny("set");
  await collect(s.put(name, CANARY, metadata()));
  kv.allow();
  kv.failNext(1, { status: 503 });
  await collect(s.put(name, CANARY, metadata()));
  kv.failNext(1, { status: 429 });
  await collect(s.get(name));
  kv.seed(`${name}-theirs`, "x", {});
  await collect(s.put(`${name}-theirs`, CANARY, metadata()));
  await collect(s.put("bad.name", CANARY, metadata()));
  await collect(
    s.put(name, CANARY, undefined as unknown as SecretMetadata).then(() => s.put("x_y", CANARY, metadata())),
  );
  await collect(Promise.resolve().then(() => keyVaultStore.create({ vaultUrl: CANARY }, context())));
  await collect(Promise.resolve().then(() => keyVaultStore.create({ ...options(), x: CANARY }, context())));
  expect(texts.length).toBeGreaterThanOrEqual(32);
  for (const text of texts) expect(text).not.toContain(CANARY);
  expect(JSON.stringify(logs)).not.toContain(CANARY);
  expect(JSON.stringify(kv.requests)).not.toContain(CANARY);
});
