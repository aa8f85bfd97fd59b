import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { standaloneStoreContext } from "@partnerd/core";
import { FakeEntra, FakeKeyVault, storeConformance } from "@partnerd/testkit";
import { afterAll, beforeAll, it } from "vitest";
import keyVaultStore from "../src/index.ts";

let entra: FakeEntra;
let kv: FakeKeyVault;
let options: Record<string, unknown>;
let configDir: string;

beforeAll(async () => {
  entra = await FakeEntra.start();
  kv = await FakeKeyVault.start({ tenantId: entra.tenantId, authority: entra.url });
  const clientId = randomUUID();
  const clientSecret = `SECRET-${randomUUID()}`;
  entra.registerClient({ clientId, clientSecret });
  configDir = await mkdtemp(join(tmpdir(), "partnerd-store-keyvault-"));
  await writeFile(join(configDir, "client-secret"), `${clientSecret}\n`, { mode: 0o600 });
  await writeFile(join(configDir, "ca.pem"), kv.caPem);
  options = {
    vaultUrl: kv.url,
    caFile: "ca.pem", // the fakes' test CA, for both the vault and FakeEntra
    verifyChallengeResource: false, // 127.0.0.1 is not under vault.azure.net
    credential: {
      type: "client-secret",
      tenantId: entra.tenantId,
      clientId,
      clientSecret: { file: "client-secret" },
      authorityHost: entra.url,
    },
  };
});

afterAll(async () => {
  await kv?.close();
  await entra?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

// Key Vault names allow only letters, digits and '-', so the '.'/'_' name check does not apply.
storeConformance(
  it,
  () => keyVaultStore.create(options, standaloneStoreContext({ configDir, storeId: "kv" })),
  {
    skip: ["name-characters"],
  },
);
