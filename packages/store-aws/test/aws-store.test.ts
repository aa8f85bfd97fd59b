import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  fingerprint,
  type Logger,
  type SecretMetadata,
  type SecretStore,
  StoreError,
  StoreOptionsError,
  standaloneStoreContext,
} from "@partnerd/core";
import { FakeSecretsManager } from "@partnerd/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import plugin, { createAwsStore, MANAGED_BY_TAG, MANAGED_BY_VALUE, STORE_NAME } from "../src/index.ts";

// Hermetic AWS environment: nothing probes the EC2 metadata endpoint or reads the user's ~/.aws.
process.env.AWS_EC2_METADATA_DISABLED = "true";
for (const key of [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
]) {
  delete process.env[key];
}

const CANARY = `RT-CANARY-${randomUUID()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sm: FakeSecretsManager;
let configDir: string;
let raw: SecretsManagerClient;
const opened: SecretStore[] = [];

interface Captured {
  level: string;
  message: string;
  fields: unknown;
}

function capturingLogger(into: Captured[]): Logger {
  const logger: Logger = {
    debug: (message, fields) => void into.push({ level: "debug", message, fields }),
    info: (message, fields) => void into.push({ level: "info", message, fields }),
    warn: (message, fields) => void into.push({ level: "warn", message, fields }),
    error: (message, fields) => void into.push({ level: "error", message, fields }),
    child: () => logger,
  };
  return logger;
}

/** A store on the fake with file-referenced credentials; `overrides` replace or (undefined) drop options. */
async function open(
  overrides: Record<string, unknown> = {},
  opts: { logger?: Logger } = {},
): Promise<SecretStore> {
  const options: Record<string, unknown> = {
    endpoint: sm.url,
    region: "us-east-1",
    credentials: {
      accessKeyId: { file: "aws-access-key-id" },
      secretAccessKey: { file: "aws-secret-access-key" },
    },
    ...overrides,
  };
  for (const [key, value] of Object.entries(options)) if (value === undefined) delete options[key];
  const store = await plugin.create(options, context(opts.logger));
  opened.push(store);
  return store;
}

function context(logger?: Logger) {
  return standaloneStoreContext({ configDir, storeId: "aws-test", ...(logger ? { logger } : {}) });
}

function metadata(value: string, extra: Partial<SecretMetadata> = {}): SecretMetadata {
  return {
    profile: "pc",
    fingerprint: fingerprint(value),
    refreshedAt: new Date("2026-01-02T03:04:05.000Z"),
    expiresByInactivityAt: new Date("2026-04-02T03:04:05.000Z"),
    ...extra,
  };
}

const newName = () => `pc-${randomUUID()}`;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Every text an error could leak through: message, stack, and the inspected object with its cause. */
function everything(error: Error): string {
  return `${error.message}\n${error.stack}\n${inspect(error, { depth: 10, showHidden: true })}`;
}

const requestsFor = (secretId: string) => sm.requests.filter((r) => r.secretId === secretId);
const operationsFor = (secretId: string) => requestsFor(secretId).map((r) => r.operation);

beforeAll(async () => {
  sm = await FakeSecretsManager.start();
  configDir = await mkdtemp(join(tmpdir(), "partnerd-aws-store-"));
  await writeFile(join(configDir, "aws-access-key-id"), "AKIDFROMFILE\n", { mode: 0o600 });
  await writeFile(join(configDir, "aws-secret-access-key"), "secret-from-file\n", { mode: 0o600 });
  await writeFile(join(configDir, "aws-session-token"), "session-from-file\n", { mode: 0o600 });
  await writeFile(join(configDir, "aws-config"), "[profile partnerd-test]\nregion = eu-west-1\n", {
    mode: 0o600,
  });
  await writeFile(
    join(configDir, "aws-credentials"),
    "[partnerd-test]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n",
    { mode: 0o600 },
  );
  process.env.AWS_CONFIG_FILE = join(configDir, "aws-config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(configDir, "aws-credentials");
  raw = new SecretsManagerClient({
    endpoint: sm.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDRAW", secretAccessKey: "raw" },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close?.()));
});

afterAll(async () => {
  raw.destroy();
  await sm.close();
  await rm(configDir, { recursive: true, force: true });
});

describe("put", () => {
  it("creates the secret on first put, with KMS key, tags and description, and returns its VersionId", async () => {
    const store = await open({ kmsKeyId: "alias/partnerd-test", tags: { team: "identity", env: "prod" } });
    const name = newName();
    const { version } = await store.put(name, CANARY, metadata(CANARY));

    expect(version).toMatch(UUID);
    expect(operationsFor(name)).toEqual(["DescribeSecret", "CreateSecret"]);
    const secret = sm.secret(name);
    expect(secret?.versions.map((v) => [v.versionId, v.stages])).toEqual([[version, ["AWSCURRENT"]]]);
    expect(secret?.value).toBe(CANARY);
    expect(secret?.kmsKeyId).toBe("alias/partnerd-test");
    expect(secret?.tags).toEqual({
      [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
      team: "identity",
      env: "prod",
      profile: "pc",
    });
    expect(secret?.description).toContain("partnerd");
    expect(secret?.description).toContain('profile "pc"');
    expect(requestsFor(name).every((r) => r.accessKeyId === "AKIDFROMFILE" && r.region === "us-east-1")).toBe(
      true,
    );

    const stored = await store.get(name);
    expect(stored).toEqual({ value: CANARY, version, updatedAt: expect.any(Date) });
  });

  it("later puts are one PutSecretValue each: DescribeSecret once per name, no tagging; AWS records each version's time", async () => {
    const store = await open();
    const name = newName();
    await store.put(name, "first-token", metadata("first-token"));
    const createdTags = sm.secret(name)?.tags;
    const before = requestsFor(name).length;
    const written = [];
    for (let i = 0; i < 5; i++) written.push(await store.put(name, `token-${i}`, metadata(`token-${i}`)));

    // Counted at the service: one request per write, as a bare PutSecretValue.
    expect(operationsFor(name).slice(0, before)).toEqual(["DescribeSecret", "CreateSecret"]);
    expect(operationsFor(name).slice(before)).toEqual(Array(5).fill("PutSecretValue"));
    expect(sm.secret(name)?.tags).toEqual(createdTags);
    const secret = sm.secret(name);
    expect(secret?.versions.slice(-2).map((v) => [v.value, v.stages])).toEqual([
      ["token-3", ["AWSPREVIOUS"]],
      ["token-4", ["AWSCURRENT"]],
    ]);
    expect(secret?.versions.at(-1)?.versionId).toBe(written[4]?.version);
    // The refresh time is the version's CreatedDate, which `get` returns as updatedAt.
    const current = await store.get(name);
    expect(current).toMatchObject({ value: "token-4", version: written[4]?.version });
    expect(current?.updatedAt?.getTime()).toBe(secret?.versions.at(-1)?.createdDate.getTime());

    // A new store instance checks ownership once again; the tags are right, so nothing else is sent.
    const again = await open();
    const seen = requestsFor(name).length;
    await again.put(name, "next-token", metadata("next-token"));
    await again.put(name, "last-token", metadata("last-token"));
    expect(operationsFor(name).slice(seen)).toEqual(["DescribeSecret", "PutSecretValue", "PutSecretValue"]);
  });

  it("derives ClientRequestToken from the value: UUID-shaped, stable for one value, different for another", async () => {
    const name = newName();
    const a = await (await open()).put(name, "token-a", metadata("token-a"));
    const b = await (await open()).put(name, "token-b", metadata("token-b"));
    const tokens = requestsFor(name)
      .filter((r) => r.operation === "CreateSecret" || r.operation === "PutSecretValue")
      .map((r) => r.clientRequestToken);
    expect(tokens).toEqual([a.version, b.version]);
    expect(a.version).toMatch(UUID);
    expect(b.version).not.toBe(a.version);
    // The token is not a plain hash of the value (nor its fingerprint).
    expect(a.version.replaceAll("-", "")).not.toContain(fingerprint("token-a"));
  });

  it("a put whose PutSecretValue response was lost is retried without a second version", async () => {
    const store = await open({ maxAttempts: 1 });
    const name = newName();
    await store.put(name, "v1-token", metadata("v1-token"));

    sm.dropResponseNext(1, { operation: "PutSecretValue" });
    const error = await rejection(store.put(name, CANARY, metadata(CANARY)));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("cannot reach Secrets Manager");
    expect(error.message).toContain("ECONNRESET");
    expect(everything(error)).not.toContain(CANARY);
    expect(sm.secret(name)?.value).toBe(CANARY); // it did land

    const { version } = await store.put(name, CANARY, metadata(CANARY));
    const secret = sm.secret(name);
    expect(secret?.versions).toHaveLength(2);
    expect(secret?.versions[1]).toMatchObject({ versionId: version, stages: ["AWSCURRENT"] });
    const puts = requestsFor(name).filter((r) => r.operation === "PutSecretValue");
    expect(puts.map((r) => r.status)).toEqual([0, 200]);
    expect(puts[0]?.clientRequestToken).toBe(puts[1]?.clientRequestToken);
  });

  it("the SDK's own retry of a lost response is invisible: one version", async () => {
    const store = await open(); // maxAttempts 3
    const name = newName();
    await store.put(name, "v1-token", metadata("v1-token"));
    sm.dropResponseNext(1, { operation: "PutSecretValue" });
    const { version } = await store.put(name, CANARY, metadata(CANARY));
    expect(sm.secret(name)?.versions.map((v) => v.versionId)).toEqual([expect.any(String), version]);
  });

  it("a put whose CreateSecret response was lost is retried without a second version", async () => {
    const store = await open({ maxAttempts: 1 });
    const name = newName();
    sm.dropResponseNext(1, { operation: "CreateSecret" });
    expect(await rejection(store.put(name, CANARY, metadata(CANARY)))).toBeInstanceOf(StoreError);
    expect(sm.secret(name)?.versions).toHaveLength(1);

    const { version } = await store.put(name, CANARY, metadata(CANARY));
    expect(sm.secret(name)?.versions.map((v) => v.versionId)).toEqual([version]);
    expect(operationsFor(name)).toEqual([
      "DescribeSecret",
      "CreateSecret",
      "DescribeSecret",
      "PutSecretValue",
    ]);
  });

  it("a value that comes back (A, B, A) is written as a new AWSCURRENT version", async () => {
    const store = await open();
    const name = newName();
    const a1 = await store.put(name, "token-a", metadata("token-a"));
    await store.put(name, "token-b", metadata("token-b"));
    const a2 = await store.put(name, "token-a", metadata("token-a"));
    expect(a2.version).not.toBe(a1.version);
    expect(await store.get(name)).toMatchObject({ value: "token-a", version: a2.version });
    expect(sm.secret(name)?.versions.map((v) => [v.value, v.stages])).toEqual([
      ["token-a", []],
      ["token-b", ["AWSPREVIOUS"]],
      ["token-a", ["AWSCURRENT"]],
    ]);
    // Retrying that last write is still idempotent.
    expect((await store.put(name, "token-a", metadata("token-a"))).version).toBe(a2.version);
    expect(sm.secret(name)?.versions).toHaveLength(3);
  });

  it("puts the prefix in front of every name", async () => {
    const store = await open({ prefix: "partnerd/prod/" });
    const name = newName();
    await store.put(name, CANARY, metadata(CANARY));
    expect(sm.secret(`partnerd/prod/${name}`)?.value).toBe(CANARY);
    expect(sm.secret(name)).toBeUndefined();
    expect((await store.get(name))?.value).toBe(CANARY);
    expect(operationsFor(`partnerd/prod/${name}`)).toContain("GetSecretValue");
  });

  it("serializes parallel puts to one name: one CreateSecret, no ResourceExists race", async () => {
    const store = await open();
    const name = newName();
    const values = Array.from({ length: 5 }, (_, i) => `parallel-${i}`);
    await Promise.all(values.map((value) => store.put(name, value, metadata(value))));
    expect(operationsFor(name).filter((op) => op === "CreateSecret")).toHaveLength(1);
    expect(sm.secret(name)?.value).toBe("parallel-4");
  });

  it("records only what it knows when metadata is missing", async () => {
    const store = await open();
    const name = newName();
    await store.put(name, CANARY, undefined as unknown as SecretMetadata);
    expect(sm.secret(name)?.tags).toEqual({ [MANAGED_BY_TAG]: MANAGED_BY_VALUE });
  });

  it("a secret from an earlier build: its per-write tags are removed and its profile tag fixed, once, after the write", async () => {
    const name = newName();
    await raw.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: "old-token",
        Tags: [
          { Key: MANAGED_BY_TAG, Value: MANAGED_BY_VALUE },
          { Key: "team", Value: "identity" },
          { Key: "profile", Value: "old-name" },
          { Key: "fingerprint", Value: fingerprint("old-token") },
          { Key: "refreshed-at", Value: "2026-01-02T03:04:05.000Z" },
          { Key: "expires-by-inactivity-at", Value: "2026-04-02T03:04:05.000Z" },
        ],
      }),
    );
    const store = await open();
    const before = requestsFor(name).length;
    await store.put(name, "new-token", metadata("new-token"));
    await store.put(name, "newer-token", metadata("newer-token"));
    expect(operationsFor(name).slice(before)).toEqual([
      "DescribeSecret",
      "PutSecretValue",
      "TagResource",
      "UntagResource",
      "PutSecretValue",
    ]);
    expect(sm.secret(name)?.tags).toEqual({
      [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
      team: "identity",
      profile: "pc",
    });
    expect(sm.secret(name)?.value).toBe("newer-token");
  });

  it("a failing tag update never fails the write nor leaks the value: one warning naming the permission and the fix", async () => {
    const name = newName();
    await raw.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: "old-token",
        Tags: [
          { Key: MANAGED_BY_TAG, Value: MANAGED_BY_VALUE },
          { Key: "profile", Value: "pc" },
          { Key: "refreshed-at", Value: "2026-01-02T03:04:05.000Z" },
        ],
      }),
    );
    const logs: Captured[] = [];
    const store = await open({ maxAttempts: 1 }, { logger: capturingLogger(logs) });
    sm.failNext(1, { type: "AccessDeniedException", operation: "UntagResource" });
    const { version } = await store.put(name, CANARY, metadata(CANARY));
    await store.put(name, "next-token", metadata("next-token"));

    expect(sm.secret(name)?.versions.find((v) => v.value === CANARY)?.versionId).toBe(version);
    expect(sm.secret(name)?.value).toBe("next-token");
    expect(sm.secret(name)?.tags["refreshed-at"]).toBeDefined();
    const warnings = logs.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1); // once per name and process, not on every write
    expect(warnings[0]?.message).toContain(`aws secretsmanager untag-resource --secret-id ${name}`);
    expect(JSON.stringify(warnings[0]?.fields)).toContain("secretsmanager:UntagResource");
    expect(JSON.stringify(logs)).not.toContain(CANARY);
    // The profile tag was right: no TagResource at all.
    expect(operationsFor(name)).not.toContain("TagResource");
  });
});

describe("ownership", () => {
  it("refuses to overwrite a secret partnerd did not create, unless the profile allows takeover", async () => {
    const name = newName();
    await raw.send(
      new CreateSecretCommand({ Name: name, SecretString: "hand-made", Tags: [{ Key: "team", Value: "x" }] }),
    );
    const store = await open({ tags: { env: "prod" } });

    const error = await rejection(store.put(name, CANARY, metadata(CANARY)));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('store "aws-test"');
    expect(error.message).toContain("partnerd did not create it");
    expect(error.message).toContain('"takeover: true"');
    expect(error.message).toContain("profiles.pc.refreshToken");
    expect(everything(error)).not.toContain(CANARY);
    expect(sm.secret(name)?.value).toBe("hand-made");
    expect(operationsFor(name)).not.toContain("PutSecretValue");

    const logs: Captured[] = [];
    const taker = await open({ tags: { env: "prod" } }, { logger: capturingLogger(logs) });
    const { version } = await taker.put(name, CANARY, metadata(CANARY, { takeover: true }));
    const secret = sm.secret(name);
    expect(secret?.value).toBe(CANARY);
    expect(secret?.versions.at(-1)?.versionId).toBe(version);
    expect(secret?.tags).toMatchObject({
      team: "x",
      env: "prod",
      [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
      profile: "pc",
    });
    expect(Object.keys(secret?.tags ?? {})).toEqual(
      expect.not.arrayContaining(["fingerprint", "refreshed-at"]),
    );
    expect(logs.some((l) => l.level === "warn" && l.message.includes("took over"))).toBe(true);

    // Once tagged, it is partnerd's: no takeover needed any more.
    await (await open()).put(name, "next-token", metadata("next-token"));
    expect(sm.secret(name)?.value).toBe("next-token");
  });

  it("names another owner's managed-by tag", async () => {
    const name = newName();
    await raw.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: "tf",
        Tags: [{ Key: "managed-by", Value: "terraform" }],
      }),
    );
    const error = await rejection((await open()).put(name, CANARY, metadata(CANARY)));
    expect(error.message).toContain('tagged "managed-by: terraform"');
  });

  it("two stores racing to create one name: one creates, the other re-checks ownership and adds a version", async () => {
    const name = newName();
    const [first, second] = [await open(), await open()];
    // Both CreateSecret calls are parked at the fake until both have arrived, so both stores saw
    // DescribeSecret answer "not found" before either create landed.
    const creates = [sm.hold({ operation: "CreateSecret" }), sm.hold({ operation: "CreateSecret" })] as const;
    const puts = Promise.all([
      first.put(name, "token-one", metadata("token-one")),
      second.put(name, "token-two", metadata("token-two")),
    ]);
    await Promise.all(creates.map((gate) => gate.arrived));
    expect(operationsFor(name)).toEqual(["DescribeSecret", "DescribeSecret"]);
    expect(sm.secret(name)).toBeUndefined();
    creates[0].release();
    await vi.waitFor(() => expect(sm.secret(name)).toBeDefined(), { timeout: 10_000, interval: 5 });
    creates[1].release();
    const results = await puts;

    const versions = sm.secret(name)?.versions ?? [];
    expect(versions.map((v) => v.versionId).sort()).toEqual(results.map((r) => r.version).sort());
    expect(versions.map((v) => v.value).sort()).toEqual(["token-one", "token-two"]);
    expect(operationsFor(name).filter((op) => op === "CreateSecret")).toHaveLength(2);
    expect(requestsFor(name).filter((r) => r.errorType === "ResourceExistsException")).toHaveLength(1);
    // The loser re-checked ownership after its failed create, then added its value as a new version.
    const afterConflict = operationsFor(name).slice(
      requestsFor(name).findIndex((r) => r.errorType === "ResourceExistsException") + 1,
    );
    expect(afterConflict[0]).toBe("DescribeSecret");
    expect(afterConflict).toContain("PutSecretValue");
  });
});

describe("get", () => {
  it("returns null for a missing secret and for a secret without a current value", async () => {
    const store = await open();
    expect(await store.get(newName())).toBeNull();
    const empty = newName();
    await raw.send(new CreateSecretCommand({ Name: empty }));
    expect(await store.get(empty)).toBeNull();
  });

  it("refuses a binary secret", async () => {
    const name = newName();
    await raw.send(new CreateSecretCommand({ Name: name, SecretBinary: new Uint8Array([1, 2, 3]) }));
    const error = await rejection((await open()).get(name));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("binary");
  });
});

describe("deleted secrets", () => {
  it("a secret scheduled for deletion gives a clear StoreError on get and put, and works again once restored", async () => {
    const warm = await open();
    const name = newName();
    await warm.put(name, "v1-token", metadata("v1-token"));
    await raw.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));

    const cold = await open();
    for (const operation of [
      () => warm.get(name),
      () => warm.put(name, CANARY, metadata(CANARY)), // ownership cached: PutSecretValue refuses
      () => cold.put(name, CANARY, metadata(CANARY)), // DescribeSecret shows DeletedDate
    ]) {
      const error = await rejection(operation());
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toContain("is scheduled for deletion");
      expect(error.message).toContain(`aws secretsmanager restore-secret --secret-id ${name}`);
      expect(everything(error)).not.toContain(CANARY);
    }
    expect(sm.secret(name)?.versions).toHaveLength(1);

    await raw.send(new RestoreSecretCommand({ SecretId: name }));
    await warm.put(name, CANARY, metadata(CANARY));
    expect((await cold.get(name))?.value).toBe(CANARY);
  });

  it("a secret deleted for good is created anew", async () => {
    const store = await open();
    const name = newName();
    await store.put(name, "v1-token", metadata("v1-token"));
    await raw.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    const { version } = await store.put(name, CANARY, metadata(CANARY));
    expect(sm.secret(name)?.versions.map((v) => v.versionId)).toEqual([version]);
    expect(sm.secret(name)?.tags[MANAGED_BY_TAG]).toBe(MANAGED_BY_VALUE);
  });
});

describe("AWS failures", () => {
  it.each([
    ["GetSecretValue", "read"],
    ["DescribeSecret", "put"],
    ["CreateSecret", "put"],
    ["PutSecretValue", "put-existing"],
  ])("AccessDeniedException on %s names the IAM action", async (operation, what) => {
    const store = await open();
    const name = newName();
    if (what === "put-existing") await store.put(name, "v1-token", metadata("v1-token"));
    sm.failNext(1, { type: "AccessDeniedException", operation });
    const error = await rejection(
      what === "read" ? store.get(name) : store.put(name, CANARY, metadata(CANARY)),
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(`lacks the IAM permission secretsmanager:${operation}`);
    expect(error.message).toContain("AccessDeniedException");
    expect(everything(error)).not.toContain(CANARY);
    expect(requestsFor(name).filter((r) => r.operation === operation)).toHaveLength(1); // not retried
  });

  it("names the KMS permissions when the key refuses", async () => {
    const store = await open();
    const name = newName();
    await store.put(name, "v1-token", metadata("v1-token"));
    sm.failNext(1, { type: "DecryptionFailure", operation: "GetSecretValue" });
    const error = await rejection(store.get(name));
    expect(error.message).toContain("kms:Decrypt");
  });

  it("throttling is retried by the SDK (maxAttempts 3 by default)", async () => {
    const store = await open();
    const name = newName();
    await store.put(name, "v1-token", metadata("v1-token"));
    sm.failNext(1, { type: "ThrottlingException", operation: "GetSecretValue" });
    expect((await store.get(name))?.value).toBe("v1-token");
    const gets = requestsFor(name).filter((r) => r.operation === "GetSecretValue");
    expect(gets.map((r) => [r.status, r.attempt])).toEqual([
      [400, 1],
      [200, 2],
    ]);
  });

  it("throttling beyond maxAttempts and server errors become StoreErrors that say it will be retried", async () => {
    const store = await open({ maxAttempts: 1 });
    const name = newName();
    sm.failNext(1, { type: "ThrottlingException" });
    const throttled = await rejection(store.get(name));
    expect(throttled).toBeInstanceOf(StoreError);
    expect(throttled.message).toContain("throttling");
    expect(throttled.message).toContain("after 1 attempt");
    sm.failNext(1, { type: "InternalServiceError" });
    const failed = await rejection(store.put(name, CANARY, metadata(CANARY)));
    expect(failed.message).toContain("InternalServiceError, HTTP 500");
    expect(everything(failed)).not.toContain(CANARY);
  });

  it("an unreachable endpoint is a StoreError naming it", async () => {
    const store = await open({ endpoint: "http://127.0.0.1:1", maxAttempts: 1 });
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("cannot reach Secrets Manager at http://127.0.0.1:1 (ECONNREFUSED");
  });

  it("a missing region is a StoreError that says where to set one", async () => {
    const store = await open({ region: undefined, maxAttempts: 1 });
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("no AWS region");
  });

  it("rejects invalid secret names and values too large for Secrets Manager", async () => {
    const store = await open();
    for (const name of ["", "with space", "a:b", "x".repeat(513)]) {
      const error = await rejection(store.put(name, CANARY, metadata(CANARY)));
      expect(error).toBeInstanceOf(StoreError);
      expect(error.message).toContain("invalid secret name");
      expect(await rejection(store.get(name))).toBeInstanceOf(StoreError);
    }
    const big = await rejection(store.put(newName(), "x".repeat(65537), metadata("x")));
    expect(big.message).toContain("at most 65536");
    expect(sm.requests.some((r) => r.secretId === "with space")).toBe(false);
  });
});

describe("client configuration", () => {
  it("uses a shared-config profile for credentials and region", async () => {
    const store = await open({ credentials: undefined, region: undefined, profile: "partnerd-test" });
    const name = newName();
    await store.put(name, CANARY, metadata(CANARY));
    expect(requestsFor(name).map((r) => [r.accessKeyId, r.region])).toEqual([
      ["AKIDFROMPROFILE", "eu-west-1"],
      ["AKIDFROMPROFILE", "eu-west-1"],
    ]);
  });

  it("takes credentials from environment variable references, with a session token", async () => {
    process.env.PARTNERD_TEST_AWS_KEY = "AKIDFROMENV";
    process.env.PARTNERD_TEST_AWS_SECRET = "env-secret";
    try {
      const store = await open({
        credentials: {
          accessKeyId: { env: "PARTNERD_TEST_AWS_KEY" },
          secretAccessKey: { env: "PARTNERD_TEST_AWS_SECRET" },
          sessionToken: { file: "aws-session-token" },
        },
      });
      const name = newName();
      expect(await store.get(name)).toBeNull();
      expect(requestsFor(name)[0]?.accessKeyId).toBe("AKIDFROMENV");
    } finally {
      delete process.env.PARTNERD_TEST_AWS_KEY;
      delete process.env.PARTNERD_TEST_AWS_SECRET;
    }
  });

  it("a missing credentials file fails at create, naming the option", async () => {
    const error = await rejection(
      open({
        credentials: { accessKeyId: { file: "nope" }, secretAccessKey: { file: "aws-secret-access-key" } },
      }),
    );
    expect(error.message).toContain("credentials.accessKeyId");
  });

  it("declares its capabilities, with AWS's 10-minute write advice", async () => {
    expect((await open()).capabilities).toEqual({
      versions: true,
      tags: false,
      softDelete: true,
      minWriteIntervalSeconds: 600,
    });
    expect(plugin.name).toBe(STORE_NAME);
  });

  it("close() waits for writes under way, is idempotent, and later calls fail", async () => {
    const store = await createAwsStore(
      {
        endpoint: sm.url,
        region: "us-east-1",
        credentials: {
          accessKeyId: { file: "aws-access-key-id" },
          secretAccessKey: { file: "aws-secret-access-key" },
        },
      },
      context(),
    );
    const name = newName();
    const create = sm.hold({ operation: "CreateSecret" });
    const pending = store.put(name, CANARY, metadata(CANARY));
    await create.arrived; // the write is under way: parked at the service
    let closed = false;
    const closing = Promise.all([store.close(), store.close()]).then(() => {
      closed = true;
    });
    // A full round trip elsewhere: a close() that did not wait would have resolved long before.
    expect(await (await open()).get(newName())).toBeNull();
    expect(closed).toBe(false);
    create.release();
    await closing;
    await pending;
    expect(sm.secret(name)?.value).toBe(CANARY);
    const error = await rejection(store.get(name));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("closed");
    await store.close();
  });

  it("close() lets a read under way finish", async () => {
    const writer = await open();
    const name = newName();
    await writer.put(name, CANARY, metadata(CANARY));
    const store = await open({ maxAttempts: 1 }); // a read cut off by close() is not retried into success
    const get = sm.hold({ operation: "GetSecretValue" });
    const reading = store.get(name);
    await get.arrived; // the read is under way: parked at the service
    let closed = false;
    const closing = store.close!().then(() => {
      closed = true;
    });
    // A full round trip elsewhere: a close() that did not wait would have resolved long before.
    expect(await (await open()).get(newName())).toBeNull();
    expect(closed).toBe(false);
    get.release();
    await closing;
    expect((await reading)?.value).toBe(CANARY);
  });
});

describe("options", () => {
  const base = {
    endpoint: "http://127.0.0.1:9",
    region: "us-east-1",
  };

  it.each([
    ["unknown key", { ...base, token: CANARY }, "token"],
    ["region type", { ...base, region: 42 }, "region"],
    ["region shape", { ...base, region: `US EAST ${CANARY}` }, "region"],
    ["endpoint scheme", { ...base, endpoint: `ftp://${CANARY}` }, "endpoint"],
    ["endpoint not a URL", { ...base, endpoint: CANARY }, "endpoint"],
    ["endpoint with password", { ...base, endpoint: `https://user:${CANARY}@example.com` }, "endpoint"],
    ["profile empty", { ...base, profile: "" }, "profile"],
    ["credentials string", { ...base, credentials: CANARY }, "credentials"],
    [
      "credentials literal key",
      { ...base, credentials: { accessKeyId: CANARY, secretAccessKey: { env: "X" } } },
      "credentials.accessKeyId",
    ],
    [
      "credentials missing secret",
      { ...base, credentials: { accessKeyId: { env: "X" } } },
      "credentials.secretAccessKey",
    ],
    [
      "credentials unknown key",
      { ...base, credentials: { accessKeyId: { env: "X" }, secretAccessKey: { env: "Y" }, region: CANARY } },
      "credentials.region",
    ],
    [
      "credentials with profile",
      { ...base, profile: "p", credentials: { accessKeyId: { env: "X" }, secretAccessKey: { env: "Y" } } },
      "credentials",
    ],
    ["prefix characters", { ...base, prefix: `a b${CANARY}` }, "prefix"],
    ["prefix type", { ...base, prefix: 7 }, "prefix"],
    ["kmsKeyId empty", { ...base, kmsKeyId: "" }, "kmsKeyId"],
    ["tags not a mapping", { ...base, tags: [CANARY] }, "tags"],
    ["tags reserved aws:", { ...base, tags: { "aws:owner": CANARY } }, "tags.aws:owner"],
    ["tags partnerd's own", { ...base, tags: { "managed-by": CANARY } }, "tags.managed-by"],
    ["tag value type", { ...base, tags: { team: 42 } }, "tags.team"],
    ["tag value length", { ...base, tags: { team: `${CANARY}${"x".repeat(256)}` } }, "tags.team"],
    [
      "too many tags",
      { ...base, tags: Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, "v"])) },
      "tags",
    ],
    ["maxAttempts zero", { ...base, maxAttempts: 0 }, "maxAttempts"],
    ["maxAttempts fraction", { ...base, maxAttempts: 1.5 }, "maxAttempts"],
    ["maxAttempts string", { ...base, maxAttempts: "3" }, "maxAttempts"],
  ])("rejects %s with a StoreOptionsError naming the key, never the value", async (_label, options, key) => {
    const error = await rejection(Promise.resolve().then(() => plugin.create(options, context())));
    expect(error).toBeInstanceOf(StoreOptionsError);
    expect((error as StoreOptionsError).key).toBe(key);
    expect(error.message).toContain('store "aws-test"');
    expect(everything(error)).not.toContain(CANARY);
  });

  it("accepts a minimal config: region, credentials and endpoint come from the SDK's default chain", async () => {
    const chain = {
      AWS_REGION: "eu-central-1",
      AWS_ACCESS_KEY_ID: "AKIDDEFAULTCHAIN",
      AWS_SECRET_ACCESS_KEY: "default-chain-secret",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    };
    Object.assign(process.env, chain);
    try {
      const store = await plugin.create({}, context());
      opened.push(store);
      const name = newName();
      expect(await store.get(name)).toBeNull();
      const { version } = await store.put(name, CANARY, metadata(CANARY));
      expect(await store.get(name)).toMatchObject({ value: CANARY, version });
      expect(new Set(requestsFor(name).map((r) => `${r.accessKeyId} ${r.region}`))).toEqual(
        new Set(["AKIDDEFAULTCHAIN eu-central-1"]),
      );
    } finally {
      for (const key of Object.keys(chain)) delete process.env[key];
    }
  });
});

describe("secrets never leak", () => {
  it("no error message, stack or cause from any failure path contains the value", async () => {
    const store = await open({ maxAttempts: 1 });
    const name = newName();
    const errors: Error[] = [];
    const collect = async (promise: Promise<unknown>) => errors.push(await rejection(promise));

    await collect(store.put("bad name", CANARY, metadata(CANARY)));
    sm.failNext(1, { type: "AccessDeniedException", operation: "CreateSecret" });
    await collect(store.put(name, CANARY, metadata(CANARY)));
    await store.put(name, "v1-token", metadata("v1-token"));
    for (const type of ["AccessDeniedException", "ThrottlingException", "InternalServiceError"] as const) {
      sm.failNext(1, { type, operation: "PutSecretValue" });
      await collect(store.put(name, CANARY, metadata(CANARY)));
    }
    sm.dropResponseNext(1, { operation: "PutSecretValue" });
    await collect(store.put(name, CANARY, metadata(CANARY)));
    await collect(store.put(name, `${CANARY}${"x".repeat(70000)}`, metadata(CANARY)));
    const foreign = newName();
    await raw.send(new CreateSecretCommand({ Name: foreign, SecretString: CANARY }));
    await collect(store.put(foreign, CANARY, metadata(CANARY)));

    expect(errors).toHaveLength(8);
    for (const error of errors) {
      expect(error).toBeInstanceOf(StoreError);
      expect(everything(error)).not.toContain(CANARY);
    }
  });
});
