import { chmod, readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { FakeKeyVault } from "@partnerd/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, createWorkspace, keyVaultStoreLines, runPartnerd, useFakeEntra } from "./harness.ts";

const fake = useFakeEntra();
let vault: FakeKeyVault;
const vaultClientId = "5d2b8c9e-0000-4000-8000-00000000d0c7";
const vaultSecret = canary("SECRET");

beforeAll(async () => {
  vault = await FakeKeyVault.start({ tenantId: fake.entra.tenantId, authority: fake.entra.url });
  fake.entra.registerClient({ clientId: vaultClientId, clientSecret: vaultSecret });
});
afterAll(async () => {
  await vault.close();
});

interface Check {
  check: string;
  verdict: "pass" | "warn" | "fail";
  detail: string;
}

async function doctor(configPath: string, ...args: string[]) {
  const result = await runPartnerd(["doctor", ...args, "-c", configPath, "--json"], { stdoutIsResult: true });
  return { code: result.code, checks: JSON.parse(result.stdout) as Check[] };
}

describe("partnerd doctor", () => {
  it("checks the provider, each store's round trip and permissions; one broken store fails it", async () => {
    const ws = await createWorkspace(fake.entra);
    await writeFile(join(ws.dir, "vault-secret"), vaultSecret, { mode: 0o600 });
    // A file store whose folder cannot exist: its parent is a regular file.
    await writeFile(join(ws.dir, "blocker"), "");
    const stores = [
      "stores:",
      ...keyVaultStoreLines(vault.url, fake.entra.url, fake.entra.tenantId, vaultClientId),
      "  broken:",
      "    use: file",
      "    options: { dir: ./blocker/secrets }",
    ].join("\n");
    await writeFile(ws.configPath, `${await readFile(ws.configPath, "utf8")}${stores}\n`);

    const first = await doctor(ws.configPath);
    const verdict = (name: string) => first.checks.find((c) => c.check === name)?.verdict;
    expect(first.code).toBe(1);
    expect(verdict("config")).toBe("pass");
    expect(verdict("discovery (pc)")).toBe("pass");
    expect(verdict("clock skew (pc)")).toBe("pass");
    expect(verdict("store default")).toBe("pass");
    expect(verdict("store vault")).toBe("pass");
    expect(verdict("store broken")).toBe("fail");
    expect(verdict("state folder")).toBe("pass");
    expect(verdict("secret file")).toBe("pass");
    expect(verdict("daemon socket")).toBe("pass");
    expect(first.checks.filter((c) => c.verdict === "fail").map((c) => c.check)).toEqual([
      "store broken",
      "store broken folder",
    ]);
    // The round trip really went through Key Vault, under a marked scratch name.
    expect(vault.secret("partnerd-doctor-check")?.tags).toMatchObject({ profile: "partnerd-doctor" });

    // For one profile only its own stores are tried: the broken one is not, and it passes.
    const onlyPc = await doctor(ws.configPath, "pc");
    expect(onlyPc.checks.some((c) => c.check === "store broken")).toBe(false);
    expect(onlyPc.code).toBe(0);

    // A client secret others can read is a failure, and says how to fix it.
    await chmod(join(ws.dir, "client-secret"), 0o644);
    const leaky = await doctor(ws.configPath, "pc");
    expect(leaky.code).toBe(1);
    expect(leaky.checks.find((c) => c.check === "secret file")).toMatchObject({
      verdict: "fail",
      detail: expect.stringContaining("chmod go="),
    });
  });

  it("reports an unreachable identity provider and an invalid config with their own verdicts", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const ws = await createWorkspace(fake.entra, {
      profileYaml: ({ clientId }) =>
        [
          "  pc:",
          `    applicationId: ${clientId}`,
          `    authority: https://127.0.0.1:${closedPort}`,
          "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
        ].join("\n"),
    });
    const offline = await doctor(ws.configPath);
    expect(offline.code).toBe(1);
    expect(offline.checks.find((c) => c.check === "discovery (pc)")).toMatchObject({
      verdict: "fail",
      detail: expect.stringContaining("connection refused to 127.0.0.1:"),
    });

    await writeFile(ws.configPath, "profiles:\n  pc:\n    schedule: nonsense\n");
    const invalid = await doctor(ws.configPath);
    expect(invalid.code).toBe(2);
    expect(invalid.checks).toEqual([expect.objectContaining({ check: "config", verdict: "fail" })]);
  });
});
