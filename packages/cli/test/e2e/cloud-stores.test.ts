import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeKeyVault, FakeSecretsManager } from "@partnerd/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canary,
  createWorkspace,
  keyVaultStoreLines,
  PartnerdProcess,
  runPartnerd,
  useFakeEntra,
  userProfileLines,
  type Workspace,
} from "./harness.ts";

const fake = useFakeEntra();
let vault: FakeKeyVault;
let secretsManager: FakeSecretsManager;
const vaultClientId = "5d2b8c9e-0000-4000-8000-00000000a11e";
const vaultSecret = canary("SECRET");

beforeAll(async () => {
  vault = await FakeKeyVault.start({ tenantId: fake.entra.tenantId, authority: fake.entra.url });
  secretsManager = await FakeSecretsManager.start();
  fake.entra.registerClient({ clientId: vaultClientId, clientSecret: vaultSecret });
});
afterAll(async () => {
  await vault.close();
  await secretsManager.close();
});

/** AWS credentials come from files; nothing reads ~/.aws or probes the instance metadata endpoint. */
function awsEnv(ws: Workspace): NodeJS.ProcessEnv {
  return {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(ws.dir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, "aws-credentials"),
  };
}

interface CloudWorkspace extends Workspace {
  vaultName: string;
  awsName: string;
}

let workspaces = 0;

async function cloudWorkspace(
  options: { schedule?: string; awsAttempts?: number } = {},
): Promise<CloudWorkspace> {
  workspaces++;
  const vaultName = `pc-refresh-token-${workspaces}`;
  const awsName = `partnerd/pc-${workspaces}`;
  const ws = await createWorkspace(fake.entra, {
    seed: false,
    profileYaml: ({ clientId }) =>
      [
        ...userProfileLines(fake.entra, clientId),
        "    refreshToken:",
        `      - { store: vault, name: ${vaultName} }`,
        `      - { store: aws, name: ${awsName} }`,
        ...(options.schedule ? [`    schedule: "${options.schedule}"`] : []),
        "    retry: { attempts: 2, initialDelayMs: 20, maxDelayMs: 50 }",
        "stores:",
        ...keyVaultStoreLines(vault.url, fake.entra.url, fake.entra.tenantId, vaultClientId),
        "  aws:",
        "    use: aws",
        "    options:",
        `      endpoint: ${secretsManager.url}`,
        "      region: eu-west-1",
        `      maxAttempts: ${options.awsAttempts ?? 3}`,
        "      credentials: { accessKeyId: { file: ./aws-key-id }, secretAccessKey: { file: ./aws-secret-key } }",
      ].join("\n"),
  });
  await writeFile(join(ws.dir, "vault-secret"), vaultSecret, { mode: 0o600 });
  await writeFile(join(ws.dir, "aws-key-id"), "AKIAPARTNERDTEST0001", { mode: 0o600 });
  await writeFile(join(ws.dir, "aws-secret-key"), canary("SECRET"), { mode: 0o600 });
  await writeFile(join(ws.dir, "aws-config"), "");
  await writeFile(join(ws.dir, "aws-credentials"), "");
  return { ...ws, vaultName, awsName };
}

function seedVault(ws: CloudWorkspace): string {
  const refreshToken = fake.entra.issueRefreshToken({ clientId: ws.clientId, value: canary("RT") });
  vault.seed(ws.vaultName, refreshToken, { tags: { "managed-by": "partnerd" } });
  return refreshToken;
}

describe("one refresh token in Key Vault and AWS Secrets Manager at once", () => {
  it("partnerd run rotates into both stores on schedule; both hold the token Entra accepts", async () => {
    const ws = await cloudWorkspace({ schedule: "* * * * * *" });
    seedVault(ws);
    const daemon = new PartnerdProcess(["run", "-c", ws.configPath], { env: awsEnv(ws) });
    await daemon.waitForLogs((l) => l.msg === "refresh token redeemed and stored", 2);
    daemon.child.kill("SIGTERM");
    expect((await daemon.exited).code).toBe(0);

    const inVault = vault.secret(ws.vaultName)!;
    const inAws = secretsManager.secret(ws.awsName)!;
    expect(inVault.value).toBe(inAws.value);
    expect(fake.entra.isValidRefreshToken(inVault.value)).toBe(true);
    expect(inVault.tags).toMatchObject({ "managed-by": "partnerd", profile: "pc" });
    expect(vault.versions(ws.vaultName).length).toBeGreaterThanOrEqual(3);
    // AWS: the secret's tags are set when it is created, never per write (each later write is one
    // PutSecretValue, as with the bare SDK); AWS records each version's time.
    expect(inAws.tags).toEqual({ "managed-by": "partnerd", profile: "pc" });
    const writes = secretsManager.requests
      .filter((r) => r.secretId === ws.awsName && r.operation !== "GetSecretValue")
      .map((r) => r.operation);
    expect(writes.slice(0, 2)).toEqual(["DescribeSecret", "CreateSecret"]);
    expect(new Set(writes.slice(2))).toEqual(new Set(["PutSecretValue"]));
    expect(writes.length - 1).toBe(inAws.versions.length);
  });

  it("a fresh rotation reads each store once before redeeming and once to verify the write, no more", async () => {
    const ws = await cloudWorkspace();
    seedVault(ws);
    const reads = () =>
      secretsManager.requests.filter((r) => r.operation === "GetSecretValue" && r.secretId === ws.awsName)
        .length;
    const before = reads();
    expect((await runPartnerd(["refresh", "pc", "-c", ws.configPath], { env: awsEnv(ws) })).code).toBe(0);
    expect(reads() - before).toBe(2);
  });

  it("a store outage keeps the token in the journal; the next run writes it without redeeming again", async () => {
    const ws = await cloudWorkspace({ awsAttempts: 1 });
    seedVault(ws);
    // The first run's AWS calls: the read before redeeming, the first write attempt (DescribeSecret),
    // and the second attempt's check whether that write landed. All three fail.
    secretsManager.failNext(3, { type: "InternalServiceError" });
    const failed = await runPartnerd(["refresh", "pc", "-c", ws.configPath], { env: awsEnv(ws) });
    expect(failed.code).toBe(1);
    expect(failed.logs.find((l) => l.level === "error")).toMatchObject({ kind: "store" });
    expect(existsSync(join(ws.stateDir, "journal", "pc.json"))).toBe(true);
    const rotated = vault.secret(ws.vaultName)!.value;
    expect(fake.entra.isValidRefreshToken(rotated)).toBe(true);
    expect(secretsManager.secret(ws.awsName)?.value).toBeUndefined();

    const redemptions = fake.entra.redemptionCount;
    const replayed = await runPartnerd(["refresh", "pc", "-c", ws.configPath], { env: awsEnv(ws) });
    expect(replayed.code).toBe(0);
    expect(replayed.logs.some((l) => l.msg === "refresh token recovered from the journal and stored")).toBe(
      true,
    );
    expect(fake.entra.redemptionCount).toBe(redemptions);
    expect(secretsManager.secret(ws.awsName)?.value).toBe(rotated);
    expect(existsSync(join(ws.stateDir, "journal", "pc.json"))).toBe(false);
  });
});

describe("partnerd validate with cloud stores", () => {
  it("warns when a schedule writes AWS Secrets Manager more often than every 10 minutes", async () => {
    const ws = await cloudWorkspace({ schedule: "*/5 * * * *" });
    const before = secretsManager.requests.length + vault.requests.length;
    const result = await runPartnerd(["validate", "-c", ws.configPath], { env: awsEnv(ws) });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /partnerd: warning: .*partnerd\.yaml:\d+:\d+ profiles\.pc\.schedule: writes store "aws" every 300 s; that store advises at most one write every 600 s/,
    );
    expect(secretsManager.requests.length + vault.requests.length).toBe(before);
  });

  it("reports a bad store option at its line without contacting the store", async () => {
    const ws = await cloudWorkspace();
    const config = (await import("node:fs/promises")).readFile;
    const text = (await config(ws.configPath, "utf8")).replace(
      "verifyChallengeResource: false",
      "verifyChallengeResourse: false",
    );
    await writeFile(ws.configPath, text);
    const before = vault.requests.length;
    const result = await runPartnerd(["validate", "-c", ws.configPath], { env: awsEnv(ws) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/partnerd\.yaml:\d+:\d+ stores\.vault\.options\.verifyChallengeResourse: /);
    expect(vault.requests.length).toBe(before);
  });
});
