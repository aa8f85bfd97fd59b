import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PartnerdRuntime, parseConfig, silentLogger, standaloneStoreContext } from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import type { FakeEntra } from "@partnerd/testkit";

/**
 * A runtime over `dir` with one profile per name (app `clientId`, `scope`, the fake's CA), each with a
 * seeded refresh token in the embedded file store: what the refresh benchmarks measure.
 */
export async function seededRuntime(
  dir: string,
  entra: FakeEntra,
  { clientId, scope, names }: { clientId: string; scope: string; names: readonly string[] },
): Promise<PartnerdRuntime> {
  await entra.writeCaFile(join(dir, "ca.pem"));
  const text = [
    "stateDir: ./state",
    "network: { caFile: ./ca.pem }",
    "profiles:",
    ...names.flatMap((n) => [
      `  ${n}:`,
      `    applicationId: ${clientId}`,
      `    authority: ${entra.url}`,
      `    scopes: [${scope}]`,
    ]),
    "",
  ].join("\n");
  const file = join(dir, "partnerd.yaml");
  await writeFile(file, text);
  const parsed = await parseConfig(text, { file });
  if (!parsed.config) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
  const runtime = await PartnerdRuntime.open(parsed.config, {
    logger: silentLogger,
    builtinStores: { file: fileStore },
    command: "partnerd bench",
  });
  const seed = await fileStore.create(
    { dir: join(dir, "state", "secrets") },
    standaloneStoreContext({ configDir: dir, storeId: "default" }),
  );
  const meta = { fingerprint: "seed", refreshedAt: new Date(), expiresByInactivityAt: new Date() };
  for (const name of names) {
    await seed.put(name, entra.issueRefreshToken({ clientId }), { ...meta, profile: name });
  }
  await seed.close?.();
  return runtime;
}
