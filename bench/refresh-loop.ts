/**
 * A child process for `syscalls.ts`: one profile refreshed `argv[2]` times in a row against a loopback
 * fake Entra ID (after one warm-up refresh), so that `strace -c` of runs with N and 0 refreshes gives
 * the system calls of N refreshes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PartnerdRuntime, parseConfig, silentLogger, standaloneStoreContext } from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import { FakeEntra } from "@partnerd/testkit";

const count = Number(process.argv[2] ?? 100);
const entra = await FakeEntra.start();
entra.registerClient({ clientId: "bench" });
const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-loop-"));
await entra.writeCaFile(join(dir, "ca.pem"));
const file = join(dir, "partnerd.yaml");
const text = `stateDir: ./state\nnetwork: { caFile: ./ca.pem }\nprofiles:\n  pc:\n    applicationId: bench\n    authority: ${entra.url}\n    scopes: [s]\n`;
await writeFile(file, text);
const config = (await parseConfig(text, { file })).config!;
const runtime = await PartnerdRuntime.open(config, {
  logger: silentLogger,
  builtinStores: { file: fileStore },
  command: "partnerd bench",
});
const seed = await fileStore.create(
  { dir: join(dir, "state", "secrets") },
  standaloneStoreContext({ configDir: dir, storeId: "default" }),
);
const meta = { profile: "pc", fingerprint: "s", refreshedAt: new Date(), expiresByInactivityAt: new Date() };
await seed.put("pc", entra.issueRefreshToken({ clientId: "bench" }), meta);
await runtime.refresh("pc");
const requestsBefore = entra.tokenRequestCount;
for (let i = 0; i < count; i++) {
  const outcome = await runtime.refresh("pc");
  if (outcome.status !== "refreshed") throw new Error(`refresh ${outcome.status}`);
}
process.stdout.write(`${JSON.stringify({ tokenRequests: entra.tokenRequestCount - requestsBefore })}\n`);
await runtime.close();
await entra.close();
await rm(dir, { recursive: true, force: true });
