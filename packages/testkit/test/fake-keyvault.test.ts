import { randomUUID } from "node:crypto";
import { ClientSecretCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwtPayload, FakeEntra } from "../src/fake-entra/index.ts";
import { FakeKeyVault } from "../src/fake-keyvault/index.ts";

const CANARY = `0.CANARY-${randomUUID()}`;

let entra: FakeEntra;
let kv: FakeKeyVault;
let clientId: string;
let clientSecret: string;

beforeAll(async () => {
  entra = await FakeEntra.start();
  clientId = randomUUID();
  clientSecret = `SECRET-CANARY-${randomUUID()}`;
  entra.registerClient({ clientId, clientSecret });
  kv = await FakeKeyVault.start({ tenantId: entra.tenantId, authority: entra.url });
});

afterAll(async () => {
  await kv?.close();
  await entra?.close();
});

/** A real SecretClient signing in to FakeEntra with client credentials; retries fast. */
function client(opts: { maxRetries?: number; tenantId?: string } = {}): SecretClient {
  const credential = new ClientSecretCredential(opts.tenantId ?? entra.tenantId, clientId, clientSecret, {
    authorityHost: entra.url,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: entra.caPem },
  });
  return new SecretClient(kv.url, credential, {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: kv.caPem },
    retryOptions: { maxRetries: opts.maxRetries ?? 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
}

function newName(): string {
  return `fake-kv-${randomUUID()}`;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { statusCode?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { statusCode?: number; code?: string };
  }
  throw new Error("expected a rejection");
}

describe("challenge authentication", () => {
  it("answers 401 with the challenge, then accepts the FakeEntra token (aud vault.azure.net)", async () => {
    const start = kv.requests.length;
    const tokenStart = entra.tokenRequests.length;
    const name = newName();
    await client().setSecret(name, CANARY);
    const seen = kv.requests.slice(start);
    expect(seen.map((r) => [r.method, r.status, r.authenticated])).toEqual([
      ["PUT", 401, false],
      ["PUT", 200, true],
    ]);
    expect(seen[0]?.errorCode).toBe("Unauthorized");
    expect(seen[1]?.path).toBe(`/secrets/${name}`);
    expect(seen[1]?.apiVersion).toMatch(/^\d{4}-\d\d-\d\d$/);
    const tokens = entra.tokenRequests.slice(tokenStart);
    expect(tokens.map((t) => [t.grantType, t.tenant, t.status])).toEqual([
      ["client_credentials", entra.tenantId, 200],
    ]);
  });

  it("sends the WWW-Authenticate header real Key Vault sends", async () => {
    const res = await fetchInsecure(`${kv.url}/secrets/x?api-version=7.4`);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe(
      `Bearer authorization="${entra.url}/${entra.tenantId}", resource="https://vault.azure.net"`,
    );
    expect(JSON.parse(res.body)).toEqual({
      error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." },
    });
  });

  it("rejects a token for another audience or tenant with 401", async () => {
    const wrongAudience = jwt({ aud: "https://graph.microsoft.com", tid: entra.tenantId });
    const res = await fetchInsecure(`${kv.url}/secrets/x?api-version=7.4`, wrongAudience);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.message).toContain("AKV10022: Invalid audience");
    const wrongTenant = jwt({ aud: "https://vault.azure.net", tid: randomUUID() });
    const res2 = await fetchInsecure(`${kv.url}/secrets/x?api-version=7.4`, wrongTenant);
    expect(res2.status).toBe(401);
    expect(JSON.parse(res2.body).error.message).toContain("AKV10032");
  });

  it("the credential refuses a challenge for a tenant it is not configured for", async () => {
    const error = await rejection(client({ tenantId: randomUUID() }).getSecret(newName()));
    expect(error.name).toBe("CredentialUnavailableError");
  });

  it("issues app tokens whose claims the fake reads", async () => {
    const token = await new ClientSecretCredential(entra.tenantId, clientId, clientSecret, {
      authorityHost: entra.url,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: entra.caPem },
    }).getToken("https://vault.azure.net/.default");
    expect(decodeJwtPayload(token.token)).toMatchObject({ aud: "https://vault.azure.net", appid: clientId });
  });
});

describe("secrets", () => {
  it("sets and gets values, with contentType, tags and unix-second attributes", async () => {
    const sc = client();
    const name = newName();
    const before = Math.floor(Date.now() / 1000) * 1000;
    const set = await sc.setSecret(name, CANARY, {
      contentType: "application/vnd.partnerd.refresh-token",
      tags: { "managed-by": "partnerd", profile: "pc" },
    });
    expect(set.value).toBe(CANARY);
    expect(set.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(set.properties.vaultUrl).toBe(kv.url);
    expect(set.properties.name).toBe(name);
    expect(set.properties.createdOn?.getTime()).toBeGreaterThanOrEqual(before);
    expect(set.properties.recoveryLevel).toBe("Recoverable+Purgeable");
    expect(set.properties.recoverableDays).toBe(90);

    const got = await sc.getSecret(name);
    expect(got.value).toBe(CANARY);
    expect(got.properties.version).toBe(set.properties.version);
    expect(got.properties.contentType).toBe("application/vnd.partnerd.refresh-token");
    expect(got.properties.tags).toEqual({ "managed-by": "partnerd", profile: "pc" });
    expect(got.properties.enabled).toBe(true);
    expect(got.properties.updatedOn).toBeInstanceOf(Date);
    expect(kv.secret(name)).toMatchObject({ name, value: CANARY, tags: { profile: "pc" } });
    // getSecret without a version asks for `/secrets/<name>/` (trailing slash).
    expect(kv.requests.at(-1)?.path).toBe(`/secrets/${name}/`);
  });

  it("keeps versions: latest by default, older ones by id, and lists them", async () => {
    const sc = client();
    const name = newName();
    const v1 = await sc.setSecret(name, "first");
    const v2 = await sc.setSecret(name, "second");
    expect(v2.properties.version).not.toBe(v1.properties.version);
    expect((await sc.getSecret(name)).value).toBe("second");
    expect((await sc.getSecret(name, { version: v1.properties.version })).value).toBe("first");
    const listed: string[] = [];
    for await (const props of sc.listPropertiesOfSecretVersions(name)) listed.push(props.version ?? "");
    expect(listed.sort()).toEqual([v1.properties.version, v2.properties.version].sort());
    expect(kv.versions(name).map((v) => v.value)).toEqual(["first", "second"]);
  });

  it("updates tags and attributes with PATCH; a disabled version reads 403 SecretDisabled", async () => {
    const sc = client();
    const name = newName();
    const set = await sc.setSecret(name, CANARY);
    const version = set.properties.version ?? "";
    const props = await sc.updateSecretProperties(name, version, { tags: { a: "b" }, enabled: false });
    expect(props.tags).toEqual({ a: "b" });
    expect(props.enabled).toBe(false);
    const error = await rejection(sc.getSecret(name));
    expect(error.statusCode).toBe(403);
    expect(error.message).toBe("Operation get is not allowed on a disabled secret.");
  });

  it("answers 404 SecretNotFound for a missing name or version", async () => {
    const sc = client();
    const name = newName();
    const error = await rejection(sc.getSecret(name));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe("SecretNotFound");
    expect(error.message).toContain(`A secret with (name/id) ${name} was not found in this key vault.`);
    await sc.setSecret(name, CANARY);
    const missingVersion = await rejection(sc.getSecret(name, { version: "0".repeat(32) }));
    expect(missingVersion.statusCode).toBe(404);
  });

  it("treats names case-insensitively, keeping the first spelling", async () => {
    const sc = client();
    const name = `Mixed-${randomUUID()}`;
    await sc.setSecret(name, "one");
    await sc.setSecret(name.toLowerCase(), "two");
    expect((await sc.getSecret(name.toUpperCase())).value).toBe("two");
    expect(kv.secret(name)?.name).toBe(name);
  });

  it("rejects invalid names and oversized values with 400 BadParameter", async () => {
    const sc = client();
    const error = await rejection(sc.setSecret("bad_name", CANARY));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe("BadParameter");
    const big = await rejection(sc.setSecret(newName(), "x".repeat(26 * 1024)));
    expect(big.statusCode).toBe(400);
  });
});

describe("soft delete", () => {
  it("delete → PUT 409 ObjectIsDeletedButRecoverable → recover (delayed) → readable → writable", async () => {
    const sc = client();
    const name = newName();
    await sc.setSecret(name, "before", { tags: { "managed-by": "partnerd" } });
    const deletePoller = await sc.beginDeleteSecret(name, { intervalInMs: 5 });
    const deleted = await deletePoller.pollUntilDone();
    expect(deleted.recoveryId).toBe(`${kv.url}/deletedsecrets/${name}`);
    expect(deleted.deletedOn).toBeInstanceOf(Date);
    expect(deleted.properties.tags).toEqual({ "managed-by": "partnerd" });
    expect(kv.isDeleted(name)).toBe(true);

    const start = kv.requests.length;
    const conflict = await rejection(sc.setSecret(name, "after"));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.code).toBe("Conflict");
    expect(conflict.message).toBe(
      `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    );
    expect((await rejection(sc.getSecret(name))).statusCode).toBe(404);
    expect((await sc.getDeletedSecret(name)).name).toBe(name);

    kv.recoveryDelayMs = 60;
    try {
      const poller = await sc.beginRecoverDeletedSecret(name, { intervalInMs: 20 });
      expect(kv.isDeleted(name)).toBe(false);
      const recovering = await rejection(sc.setSecret(name, "too-early"));
      expect(recovering.statusCode).toBe(409);
      const recovered = await poller.pollUntilDone();
      expect(recovered.name).toBe(name);
    } finally {
      kv.recoveryDelayMs = 0;
    }
    expect((await sc.getSecret(name)).value).toBe("before");
    await sc.setSecret(name, "after");
    expect(kv.secret(name)?.value).toBe("after");
    const paths = kv.requests.slice(start).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(paths).toContain(`POST /deletedsecrets/${name}/recover 200`);
    expect(paths).toContain(`GET /secrets/${name}/ 404`);
  });

  it("softDelete() helper and purge", async () => {
    const sc = client();
    const name = newName();
    await sc.setSecret(name, CANARY);
    expect(kv.softDelete(name)).toBe(true);
    expect(kv.secret(name)).toBeUndefined();
    await sc.purgeDeletedSecret(name);
    expect(kv.isDeleted(name)).toBe(false);
    expect(kv.versions(name)).toEqual([]);
    await sc.setSecret(name, "fresh");
    expect(kv.versions(name)).toHaveLength(1);
  });
});

describe("failures", () => {
  it("429 with Retry-After is retried by the SDK after the advertised delay", async () => {
    const sc = client();
    const name = newName();
    await sc.setSecret(name, CANARY);
    const start = kv.requests.length;
    kv.failNext(1, { status: 429, retryAfterSeconds: 1 });
    expect((await sc.getSecret(name)).value).toBe(CANARY);
    const seen = kv.requests.slice(start);
    expect(seen.map((r) => [r.status, r.errorCode])).toEqual([
      [429, "Throttled"],
      [200, undefined],
    ]);
    // The fake's own record, not the client's clock: the retry reached the vault the advertised 1 s after
    // the 429 was answered. The margin absorbs timer/clock granularity.
    expect(seen[1]!.at.getTime() - seen[0]!.at.getTime()).toBeGreaterThanOrEqual(990);
  });

  it("503 is retried; when failures outlast maxRetries the error reaches the caller", async () => {
    const sc = client({ maxRetries: 2 });
    const name = newName();
    await sc.setSecret(name, CANARY);
    const start = kv.requests.length;
    kv.failNext(2, { status: 503, retryAfterSeconds: 0 });
    expect((await sc.getSecret(name)).value).toBe(CANARY);
    expect(kv.requests.slice(start).map((r) => r.status)).toEqual([503, 503, 200]);

    kv.failNext(3, { status: 503 });
    const error = await rejection(sc.getSecret(name));
    expect(error.statusCode).toBe(503);
    expect(error.code).toBe("ServiceUnavailable");
  });

  it("deny() → 403 Forbidden naming the principal, the permission and the vault", async () => {
    const sc = client();
    const name = newName();
    await sc.setSecret(name, CANARY);
    kv.deny("get");
    try {
      const error = await rejection(sc.getSecret(name));
      expect(error.statusCode).toBe(403);
      expect(error.code).toBe("Forbidden");
      expect(error.message).toMatch(
        new RegExp(
          `^The user, group or application 'appid=${clientId};oid=[0-9a-f-]{36};iss=https://sts.windows.net/${entra.tenantId}/' does not have secrets get permission on key vault 'partnerd-fake;location=westeurope'\\.`,
        ),
      );
      // set is still allowed
      await sc.setSecret(name, "still-writable");
    } finally {
      kv.allow();
    }
    kv.deny("set", { principal: randomUUID() });
    try {
      await sc.setSecret(name, "other principal denied, not us");
    } finally {
      kv.allow("set");
    }
    kv.deny("set", { principal: clientId });
    try {
      expect((await rejection(sc.setSecret(name, CANARY))).statusCode).toBe(403);
    } finally {
      kv.allow("set");
    }
  });

  it("never puts secret values in error bodies or the request log", async () => {
    const sc = client({ maxRetries: 0 });
    const name = newName();
    const messages: string[] = [];
    kv.deny("set");
    try {
      messages.push((await rejection(sc.setSecret(name, CANARY))).message);
    } finally {
      kv.allow();
    }
    kv.failNext(1, { status: 429 });
    messages.push((await rejection(sc.setSecret(name, CANARY))).message);
    for (const message of messages) expect(message).not.toContain(CANARY);
    expect(JSON.stringify(kv.requests)).not.toContain("CANARY");
  });
});

describe("lifecycle", () => {
  it("close() is idempotent and drops connections", async () => {
    const other = await FakeKeyVault.start({ tenantId: entra.tenantId });
    await other.close();
    await other.close();
    await expect(fetchInsecure(`${other.url}/secrets/x?api-version=7.4`)).rejects.toThrow();
  });

  it("requires a tenantId", async () => {
    await expect(FakeKeyVault.start({} as never)).rejects.toThrow(/tenantId/);
  });
});

// --- helpers ---

function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${b64({ alg: "none" })}.${b64(claims)}.`;
}

async function fetchInsecure(
  url: string,
  bearer?: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: kv.caPem, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}
