/**
 * What durability costs. Baseline: a bare msal-node redemption (the rotated token read from its cache)
 * over partnerd's HTTP stack. Candidate: partnerd's whole refresh (store read, redemption, fsync'd
 * journal, atomic store write, read-back, journal clear, status) against the same fake Entra ID.
 * Prints medians and the ratio; both run interleaved in one process so machine noise hits both.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type PartnerdConfig,
  PartnerdRuntime,
  parseConfig,
  Secret,
  silentLogger,
  standaloneStoreContext,
} from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import { FakeEntra } from "@partnerd/testkit";
import { benchCachedToken } from "./cached-token.ts";
import { median, p95 } from "./stats.ts";

const { values } = parseArgs({
  options: { iterations: { type: "string", default: "200" }, rounds: { type: "string", default: "20" } },
});
const iterations = Number(values.iterations);
const CLIENT_ID = "bench-client";
const scopes = ["https://api.partnercenter.microsoft.com/user_impersonation"];

const entra = await FakeEntra.start();
entra.registerClient({ clientId: CLIENT_ID });
const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-"));
await entra.writeCaFile(join(dir, "ca.pem"));

const config = await loadBenchConfig(dir, entra.url);
const runtime = await PartnerdRuntime.open(config, {
  logger: silentLogger,
  builtinStores: { file: fileStore },
  command: "partnerd bench",
});
const seedStore = await fileStore.create(
  { dir: join(dir, "state", "secrets") },
  standaloneStoreContext({ configDir: dir, storeId: "default" }),
);
await seedStore.put("pc", entra.issueRefreshToken({ clientId: CLIENT_ID }), {
  profile: "pc",
  fingerprint: "seed",
  refreshedAt: new Date(),
  expiresByInactivityAt: new Date(),
});

const profile = config.profiles.pc!;
let bareToken = new Secret(entra.issueRefreshToken({ clientId: CLIENT_ID }));
const bare = async () => {
  bareToken = (await runtime.identity.redeem(profile, undefined, bareToken)).refreshToken!;
};
const full = async () => {
  const outcome = await runtime.refresh("pc");
  if (outcome.status !== "refreshed") throw new Error(`refresh ${outcome.status}`);
};

for (let i = 0; i < 20; i++) {
  await bare();
  await full();
}
const bareMs: number[] = [];
const fullMs: number[] = [];
for (let i = 0; i < iterations; i++) {
  bareMs.push(await timed(bare));
  fullMs.push(await timed(full));
}

const bareMedian = median(bareMs);
const fullMedian = median(fullMs);
console.log(`refresh pipeline, ${iterations} interleaved iterations against a loopback fake Entra ID`);
console.log(
  `  baseline  msal redemption only            median ${bareMedian.toFixed(2)} ms  p95 ${p95(bareMs).toFixed(2)} ms`,
);
console.log(
  `  partnerd  redeem + journal + store + read  median ${fullMedian.toFixed(2)} ms  p95 ${p95(fullMs).toFixed(2)} ms`,
);
console.log(
  `  ratio     ${(fullMedian / bareMedian).toFixed(2)}x (cost of durability: ${(fullMedian - bareMedian).toFixed(2)} ms per refresh)`,
);

await runtime.close();
await seedStore.close?.();
await entra.close();
await rm(dir, { recursive: true, force: true });

await benchCachedToken(Number(values.rounds));

async function loadBenchConfig(folder: string, authority: string): Promise<PartnerdConfig> {
  const file = join(folder, "partnerd.yaml");
  const text = `stateDir: ./state\nnetwork: { caFile: ./ca.pem }\nprofiles:\n  pc:\n    applicationId: ${CLIENT_ID}\n    authority: ${authority}\n    scopes: [${scopes[0]}]\n`;
  await writeFile(file, text);
  const result = await parseConfig(text, { file });
  if (!result.config) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.config;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
