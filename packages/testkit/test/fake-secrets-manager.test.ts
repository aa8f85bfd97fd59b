import { randomUUID } from "node:crypto";
import { Agent } from "node:https";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  type SecretsManagerServiceException,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSecretsManager } from "../src/fake-secrets-manager/index.ts";

// Static credentials below; this makes sure nothing in the SDK ever probes the EC2 metadata endpoint.
process.env.AWS_EC2_METADATA_DISABLED = "true";

const CANARY = `RT-CANARY-${randomUUID()}`;
const DAY_MS = 24 * 60 * 60 * 1000;

let sm: FakeSecretsManager;
const clients: SecretsManagerClient[] = [];

function client(opts: { maxAttempts?: number; fake?: FakeSecretsManager } = {}): SecretsManagerClient {
  const c = new SecretsManagerClient({
    endpoint: (opts.fake ?? sm).url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDFAKETEST", secretAccessKey: "fake-secret" },
    maxAttempts: opts.maxAttempts ?? 1,
  });
  clients.push(c);
  return c;
}

/** A fresh secret name per test, so tests share the fake without interfering. */
const newName = () => `test/${randomUUID()}`;
const token = () => `${randomUUID()}-${randomUUID()}`.slice(0, 40);

async function rejection(promise: Promise<unknown>): Promise<SecretsManagerServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SecretsManagerServiceException;
  }
  throw new Error("expected a rejection");
}

beforeAll(async () => {
  sm = await FakeSecretsManager.start();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await sm.close();
});

describe("FakeSecretsManager with the real SDK", () => {
  it("creates, puts and gets; AWSCURRENT moves and the old version becomes AWSPREVIOUS", async () => {
    const c = client();
    const name = newName();
    const created = await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    expect(created.Name).toBe(name);
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-[A-Za-z0-9]{6}$`),
    );
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);

    const second = await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
    expect(second.VersionStages).toEqual(["AWSCURRENT"]);
    expect(second.ARN).toBe(created.ARN);
    const third = await c.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: "v3" }));

    const current = await c.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current).toMatchObject({
      SecretString: "v3",
      VersionId: third.VersionId,
      VersionStages: ["AWSCURRENT"],
    });
    expect(current.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs(current.CreatedDate!.getTime() - Date.now())).toBeLessThan(5000);
    const previous = await c.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }));
    expect(previous).toMatchObject({ SecretString: "v2", VersionId: second.VersionId });
    const first = await c.send(new GetSecretValueCommand({ SecretId: name, VersionId: created.VersionId }));
    expect(first).toMatchObject({ SecretString: "v1", VersionStages: [] });

    const described = await c.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.VersionIdsToStages).toEqual({
      [second.VersionId!]: ["AWSPREVIOUS"],
      [third.VersionId!]: ["AWSCURRENT"],
    });
    expect(described.LastChangedDate).toBeInstanceOf(Date);

    const snapshot = sm.secret(name);
    expect(snapshot?.value).toBe("v3");
    expect(snapshot?.versions.map((v) => [v.value, v.stages])).toEqual([
      ["v1", []],
      ["v2", ["AWSPREVIOUS"]],
      ["v3", ["AWSCURRENT"]],
    ]);
  });

  it("the SDK fills in ClientRequestToken, and the token becomes the VersionId", async () => {
    const c = client();
    const name = newName();
    const created = await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    const put = await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
    const [create] = sm.requests.filter((r) => r.secretId === name && r.operation === "CreateSecret");
    const [write] = sm.requests.filter((r) => r.secretId === name && r.operation === "PutSecretValue");
    expect(create?.clientRequestToken).toBe(created.VersionId);
    expect(write?.clientRequestToken).toBe(put.VersionId);
    expect(write).toMatchObject({
      status: 200,
      accessKeyId: "AKIDFAKETEST",
      region: "us-east-1",
      attempt: 1,
    });
  });

  it("a repeated ClientRequestToken with the same value is idempotent; with another value it fails", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    const t = token();
    const a = await c.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: "v2", ClientRequestToken: t }),
    );
    const b = await c.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: "v2", ClientRequestToken: t }),
    );
    expect(a.VersionId).toBe(t);
    expect(b.VersionId).toBe(t);
    expect(sm.secret(name)?.versions).toHaveLength(2);

    const error = await rejection(
      c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "other", ClientRequestToken: t })),
    );
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(sm.secret(name)?.value).toBe("v2");

    // A replayed token of an older version answers with that version's labels and moves nothing.
    await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v3" }));
    const replay = await c.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: "v2", ClientRequestToken: t }),
    );
    expect(replay.VersionStages).toEqual(["AWSPREVIOUS"]);
    expect(sm.secret(name)?.value).toBe("v3");

    const short = await rejection(
      c.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: "v4", ClientRequestToken: "too-short" }),
      ),
    );
    expect(short.name).toBe("ValidationException");
  });

  it("a retried CreateSecret (same token, same value) succeeds once; a new one is ResourceExistsException", async () => {
    const c = client();
    const name = newName();
    const t = token();
    const a = await c.send(
      new CreateSecretCommand({ Name: name, SecretString: "v1", ClientRequestToken: t }),
    );
    const b = await c.send(
      new CreateSecretCommand({ Name: name, SecretString: "v1", ClientRequestToken: t }),
    );
    expect(b.VersionId).toBe(a.VersionId);
    const error = await rejection(c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" })));
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error.name).toBe("ResourceExistsException");
    expect(error.$fault).toBe("client");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain(name);
  });

  it("maps a missing secret to a typed ResourceNotFoundException for every operation", async () => {
    const c = client();
    const missing = newName();
    for (const command of [
      new GetSecretValueCommand({ SecretId: missing }),
      new PutSecretValueCommand({ SecretId: missing, SecretString: "x" }),
      new DescribeSecretCommand({ SecretId: missing }),
      new TagResourceCommand({ SecretId: missing, Tags: [{ Key: "a", Value: "b" }] }),
      new DeleteSecretCommand({ SecretId: missing }),
    ]) {
      const error = await rejection(c.send(command as GetSecretValueCommand));
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error.message).toBe("Secrets Manager can't find the specified secret.");
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name }));
    const noValue = await rejection(c.send(new GetSecretValueCommand({ SecretId: name })));
    expect(noValue).toBeInstanceOf(ResourceNotFoundException);
    expect(noValue.message).toContain("staging label: AWSCURRENT");
  });

  it("keeps tags, KMS key and description; TagResource merges and UntagResource removes", async () => {
    const c = client();
    const name = newName();
    await c.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: "v1",
        KmsKeyId: "alias/partnerd",
        Description: "made by a test",
        Tags: [
          { Key: "managed-by", Value: "partnerd" },
          { Key: "team", Value: "ops" },
        ],
      }),
    );
    await c.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          { Key: "team", Value: "sec" },
          { Key: "fingerprint", Value: "abc123" },
        ],
      }),
    );
    await c.send(new UntagResourceCommand({ SecretId: name, TagKeys: ["fingerprint"] }));
    const described = await c.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({
      Name: name,
      KmsKeyId: "alias/partnerd",
      Description: "made by a test",
    });
    expect(described.Tags).toEqual([
      { Key: "managed-by", Value: "partnerd" },
      { Key: "team", Value: "sec" },
    ]);
    expect(sm.secret(name)).toMatchObject({
      kmsKeyId: "alias/partnerd",
      tags: { "managed-by": "partnerd", team: "sec" },
    });

    const reserved = await rejection(
      c.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: "aws:x", Value: "y" }] })),
    );
    expect(reserved.name).toBe("InvalidParameterException");
  });

  it("lists version ids, with deprecated versions only on request", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
    await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v3" }));
    const labelled = await c.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(labelled.Versions?.map((v) => v.VersionStages)).toEqual([["AWSPREVIOUS"], ["AWSCURRENT"]]);
    const all = await c.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
    expect(all.Versions?.[0]?.CreatedDate).toBeInstanceOf(Date);
  });

  it("round-trips a binary secret as bytes", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretBinary: new Uint8Array([1, 2, 3, 255]) }));
    const got = await c.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBeUndefined();
    expect([...(got.SecretBinary ?? [])]).toEqual([1, 2, 3, 255]);
  });

  it("schedules deletion, refuses reads and writes meanwhile, and restores", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    const deleted = await c.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    expect(deleted.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6.9 * DAY_MS);

    for (const command of [
      new GetSecretValueCommand({ SecretId: name }),
      new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }),
    ]) {
      const error = await rejection(c.send(command as GetSecretValueCommand));
      expect(error).toBeInstanceOf(InvalidRequestException);
      expect(error.message).toContain("marked for deletion");
    }
    const recreate = await rejection(c.send(new CreateSecretCommand({ Name: name, SecretString: "v2" })));
    expect(recreate).toBeInstanceOf(InvalidRequestException);
    expect(recreate.message).toContain("scheduled for deletion");
    expect((await c.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date);
    expect(sm.secret(name)?.deletedDate).toBeInstanceOf(Date);

    await c.send(new RestoreSecretCommand({ SecretId: name }));
    expect((await c.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeUndefined();
    await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
    expect((await c.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe("v2");

    await c.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(await rejection(c.send(new DescribeSecretCommand({ SecretId: name })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(sm.secret(name)).toBeUndefined();
  });

  it("ends a scheduled deletion when the recovery window has passed", async () => {
    let now = Date.now();
    const fake = await FakeSecretsManager.start({ now: () => now });
    try {
      const c = client({ fake });
      await c.send(new CreateSecretCommand({ Name: "gone", SecretString: "v1" }));
      await c.send(new DeleteSecretCommand({ SecretId: "gone", RecoveryWindowInDays: 7 }));
      now += 8 * DAY_MS;
      expect(fake.secretNames()).toEqual([]);
      await c.send(new CreateSecretCommand({ Name: "gone", SecretString: "v2" }));
      expect(fake.secret("gone")?.versions).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it("enforces the version quota; only unlabelled versions older than 24 hours are pruned", async () => {
    let now = Date.now();
    const fake = await FakeSecretsManager.start({ maxVersionsPerSecret: 3, now: () => now });
    try {
      const c = client({ fake });
      await c.send(new CreateSecretCommand({ Name: "q", SecretString: "v1" }));
      await c.send(new PutSecretValueCommand({ SecretId: "q", SecretString: "v2" }));
      await c.send(new PutSecretValueCommand({ SecretId: "q", SecretString: "v3" }));
      const error = await rejection(c.send(new PutSecretValueCommand({ SecretId: "q", SecretString: "v4" })));
      expect(error.name).toBe("LimitExceededException");
      expect(fake.secret("q")?.value).toBe("v3");
      now += 25 * 60 * 60 * 1000;
      await c.send(new PutSecretValueCommand({ SecretId: "q", SecretString: "v4" }));
      expect(fake.secret("q")?.versions.map((v) => v.value)).toEqual(["v2", "v3", "v4"]);
    } finally {
      await fake.close();
    }
  });
});

describe("switches", () => {
  it("ThrottlingException (400) is retried by the SDK until it succeeds", async () => {
    const c = client({ maxAttempts: 3 });
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    sm.failNext(2, { type: "ThrottlingException" });
    const got = await c.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBe("v1");
    expect(got.$metadata.attempts).toBe(3);
    const gets = sm.requests.filter((r) => r.secretId === name && r.operation === "GetSecretValue");
    expect(gets.map((r) => [r.status, r.errorType, r.attempt])).toEqual([
      [400, "ThrottlingException", 1],
      [400, "ThrottlingException", 2],
      [200, undefined, 3],
    ]);
  });

  it("ThrottlingException surfaces once maxAttempts is used up", async () => {
    const c = client({ maxAttempts: 1 });
    sm.failNext(1, { type: "ThrottlingException" });
    const error = await rejection(c.send(new GetSecretValueCommand({ SecretId: newName() })));
    expect(error.name).toBe("ThrottlingException");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe("Rate exceeded");
  });

  it("InternalServiceError is a 500 server fault, retried by the SDK", async () => {
    const name = newName();
    await client().send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    sm.failNext(1, { type: "InternalServiceError" });
    const error = await rejection(client().send(new GetSecretValueCommand({ SecretId: name })));
    expect(error.name).toBe("InternalServiceError");
    expect(error.$fault).toBe("server");
    expect(error.$metadata.httpStatusCode).toBe(500);
    sm.failNext(1, { type: "InternalServiceError" });
    const got = await client({ maxAttempts: 2 }).send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.$metadata.attempts).toBe(2);
  });

  it("AccessDeniedException names the IAM action and is not retried; operation filters apply", async () => {
    const c = client({ maxAttempts: 3 });
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    sm.failNext(1, { type: "AccessDeniedException", operation: "PutSecretValue" });
    expect((await c.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe("v1");
    const error = await rejection(c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" })));
    expect(error.name).toBe("AccessDeniedException");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain("not authorized to perform: secretsmanager:PutSecretValue");
    expect(sm.requests.filter((r) => r.secretId === name && r.operation === "PutSecretValue")).toHaveLength(
      1,
    );
    expect(sm.secret(name)?.versions).toHaveLength(1);
  });

  it("dropResponseNext: the write lands, the client sees a network error, and the SDK's retry is idempotent", async () => {
    const name = newName();
    await client().send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));

    sm.dropResponseNext(1, { operation: "PutSecretValue" });
    const error = await rejection(
      client().send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" })),
    );
    expect((error as Error & { code?: string }).code).toBe("ECONNRESET");
    expect(sm.secret(name)?.value).toBe("v2");

    sm.dropResponseNext(1, { operation: "PutSecretValue" });
    const retried = await client({ maxAttempts: 2 }).send(
      new PutSecretValueCommand({ SecretId: name, SecretString: "v3" }),
    );
    expect(retried.$metadata.attempts).toBe(2);
    const puts = sm.requests.filter((r) => r.secretId === name && r.operation === "PutSecretValue");
    expect(puts.map((r) => r.status)).toEqual([0, 0, 200]);
    expect(puts[1]?.clientRequestToken).toBe(puts[2]?.clientRequestToken);
    expect(sm.secret(name)?.versions.map((v) => v.value)).toEqual(["v1", "v2", "v3"]);
  });

  it("latencyMs delays processing; the log records when a request was read and when it was processed", async () => {
    const fake = await FakeSecretsManager.start();
    try {
      fake.latencyMs = 80;
      const error = await rejection(client({ fake }).send(new GetSecretValueCommand({ SecretId: "x" })));
      expect(error.name).toBe("ResourceNotFoundException");
      // The fake's own record, not the client's clock: read (receivedAt) and processed (at) 80 ms apart;
      // without the delay they are ~0 ms apart. The margin absorbs timer/clock granularity.
      const [record] = fake.requests;
      expect(record).toMatchObject({ operation: "GetSecretValue", status: 400 });
      expect(record!.at.getTime() - record!.receivedAt.getTime()).toBeGreaterThanOrEqual(70);
      expect(() => {
        fake.latencyMs = -1;
      }).toThrow(/latencyMs/);
    } finally {
      await fake.close();
    }
  });

  it("hold(): parks the next request of an operation until release(); others pass", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    const held = sm.hold({ operation: "PutSecretValue" });
    let settled = false;
    const put = c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
    void put.then(
      () => (settled = true),
      () => (settled = true),
    );
    await held.arrived;
    // Other operations are not held; a full round trip after the parked request arrived shows that it was
    // neither processed nor answered (had it not been parked, it needed no further I/O to land).
    expect((await c.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe("v1");
    expect(sm.secret(name)?.versions).toHaveLength(1);
    expect(sm.requests.filter((r) => r.secretId === name).map((r) => r.operation)).toEqual([
      "CreateSecret",
      "GetSecretValue",
    ]);
    expect(settled).toBe(false);
    held.release();
    expect((await put).VersionId).toBe(sm.secret(name)?.versions.at(-1)?.versionId);
    expect(sm.secret(name)?.value).toBe("v2");
    // A gate is used once: the next put goes straight through.
    await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v3" }));
    expect(sm.secret(name)?.value).toBe("v3");
  });

  it("hold(): successive holds gate successive requests in arrival order", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    const first = sm.hold();
    const second = sm.hold();
    const a = c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "a" }));
    await first.arrived;
    const b = c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "b" }));
    await second.arrived;
    second.release();
    await b;
    expect(sm.secret(name)?.value).toBe("b");
    first.release();
    await a;
    expect(sm.secret(name)?.value).toBe("a");
    expect(sm.secret(name)?.versions.map((v) => v.value)).toEqual(["v1", "b", "a"]);
  });

  it("close() drops a held request unprocessed", async () => {
    const fake = await FakeSecretsManager.start();
    const c = client({ fake });
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: "v1" }));
    const held = fake.hold({ operation: "PutSecretValue" });
    const put = c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "v2" }));
    await held.arrived;
    await fake.close(); // resolves although a request is parked
    const error = await rejection(put);
    expect((error as Error & { code?: string }).code).toBe("ECONNRESET");
    held.release(); // too late
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.secret(name)?.value).toBe("v1");
    expect(fake.requests.map((r) => r.operation)).toEqual(["CreateSecret"]);
  });

  it("refuses unsigned requests and unknown operations", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${sm.url}/`, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", ...headers },
        body: "{}",
      });
    const unsigned = await post({ "x-amz-target": "secretsmanager.ListSecrets" });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
    const unknown = await post({
      "x-amz-target": "secretsmanager.RotateSecret",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/secretsmanager/aws4_request, Signature=x",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(await unknown.json()).toMatchObject({ __type: "UnknownOperationException" });
  });

  it("never keeps secret values in the request log", async () => {
    const c = client();
    const name = newName();
    await c.send(new CreateSecretCommand({ Name: name, SecretString: CANARY }));
    await c.send(new PutSecretValueCommand({ SecretId: name, SecretString: `${CANARY}-2` }));
    await c.send(new GetSecretValueCommand({ SecretId: name }));
    expect(JSON.stringify(sm.requests)).not.toContain(CANARY);
  });

  it("tls: true serves HTTPS with the test CA: trusted clients round-trip, others fail the handshake", async () => {
    const fake = await FakeSecretsManager.start({ tls: true });
    const credentials = { accessKeyId: "AKIDFAKETEST", secretAccessKey: "fake-secret" };
    const trusting = new SecretsManagerClient({
      endpoint: fake.url,
      region: "us-east-1",
      credentials,
      requestHandler: { httpsAgent: new Agent({ ca: fake.caPem }) },
    });
    const untrusting = new SecretsManagerClient({
      endpoint: fake.url,
      region: "us-east-1",
      credentials,
      maxAttempts: 1,
    });
    clients.push(trusting, untrusting);
    try {
      expect(fake.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(fake.caPem).toContain("-----BEGIN CERTIFICATE-----");
      const name = newName();
      await trusting.send(new CreateSecretCommand({ Name: name, SecretString: CANARY }));
      const read = await trusting.send(new GetSecretValueCommand({ SecretId: name }));
      expect(read.SecretString).toBe(CANARY);
      const refused = await rejection(untrusting.send(new GetSecretValueCommand({ SecretId: name })));
      expect((refused as { code?: string }).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      expect(fake.requestsFor("GetSecretValue")).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it("close() is idempotent and refuses further connections", async () => {
    const fake = await FakeSecretsManager.start();
    const { url } = fake;
    await Promise.all([fake.close(), fake.close()]);
    await expect(fetch(url, { method: "POST" })).rejects.toThrow();
  });
});
