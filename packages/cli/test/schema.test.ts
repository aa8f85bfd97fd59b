import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE } from "../scripts/write-schema.ts";
import { runPartnerd } from "./e2e/harness.ts";

/** The shipped schema, compiled by a real JSON Schema validator as an editor would use it. */
async function shippedValidator() {
  const schema = JSON.parse(await readFile(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
  return new Ajv2020({ strict: false, allErrors: true }).compile(schema);
}

const profile = { applicationId: "5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11", scopes: ["s"] };
const config = (extra: Record<string, unknown> = {}) => ({ profiles: { pc: { ...profile, ...extra } } });
const stores = (entries: Record<string, unknown>) => ({ ...config(), stores: entries });

describe("the config JSON Schema shipped as @partnerd/core/schema.json", () => {
  it("is what `partnerd schema` prints (run `node packages/cli/scripts/write-schema.ts` to update)", async () => {
    const result = await runPartnerd(["schema"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(await readFile(SCHEMA_FILE, "utf8"));
  });

  it("refuses AzureGermanCloud as validate does, and checks the built-in stores' options", async () => {
    const validate = await shippedValidator();
    expect(validate(config({ environment: "AzureChinaCloud" }))).toBe(true);
    expect(validate(config({ environment: "AzureGermanCloud" }))).toBe(false);

    const keyvault = (options: unknown) => stores({ kv: { use: "keyvault", options } });
    expect(
      validate(
        stores({
          kv: {
            use: "keyvault",
            options: { vaultUrl: "https://v.vault.azure.net", credential: { type: "managed-identity" } },
          },
          aws: { use: "aws", options: { region: "eu-west-1", prefix: "partnerd/", maxAttempts: 3 } },
          f: { use: "file", options: { dir: "./secrets" } },
          mine: { use: "./my-store.js", options: { anything: 1 } },
        }),
      ),
    ).toBe(true);
    expect(validate(keyvault({ vaultURL: "https://v.vault.azure.net" }))).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("vaultUrl");
    expect(validate(keyvault({ vaultUrl: "https://v.vault.azure.net", credential: { type: "magic" } }))).toBe(
      false,
    );
    expect(validate(stores({ aws: { use: "aws", options: { region: "eu-west-1", kmsKey: "x" } } }))).toBe(
      false,
    );
  });
});
