import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { standaloneStoreContext } from "@partnerd/core";
import { FakeSecretsManager, storeConformance } from "@partnerd/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import plugin from "../src/index.ts";

// Static credentials below; nothing may probe the EC2 metadata endpoint.
process.env.AWS_EC2_METADATA_DISABLED = "true";

let sm: FakeSecretsManager;
let configDir: string;

beforeAll(async () => {
  sm = await FakeSecretsManager.start();
  configDir = await mkdtemp(join(tmpdir(), "partnerd-aws-conformance-"));
  await writeFile(join(configDir, "aws-access-key-id"), "AKIDCONFORMANCE\n", { mode: 0o600 });
  await writeFile(join(configDir, "aws-secret-access-key"), "conformance-secret\n", { mode: 0o600 });
});

afterAll(async () => {
  await sm.close();
  await rm(configDir, { recursive: true, force: true });
});

storeConformance(it, () =>
  plugin.create(
    {
      endpoint: sm.url,
      region: "us-east-1",
      credentials: {
        accessKeyId: { file: "aws-access-key-id" },
        secretAccessKey: { file: "aws-secret-access-key" },
      },
    },
    standaloneStoreContext({ configDir, storeId: "aws" }),
  ),
);

it("signed every conformance request with the access key id read from the credentials file", () => {
  expect(sm.requests.length).toBeGreaterThan(0);
  expect(new Set(sm.requests.map((r) => r.accessKeyId))).toEqual(new Set(["AKIDCONFORMANCE"]));
  expect(new Set(sm.requests.map((r) => r.region))).toEqual(new Set(["us-east-1"]));
});
