/**
 * A child process for `syscalls.ts`: one profile refreshed `argv[2]` times in a row against a loopback
 * fake Entra ID (after one warm-up refresh), so that `strace -c` of runs with N and 0 refreshes gives
 * the system calls of N refreshes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeEntra } from "@partnerd/testkit";
import { seededRuntime } from "./seeded-runtime.ts";

const count = Number(process.argv[2] ?? 100);
const entra = await FakeEntra.start();
entra.registerClient({ clientId: "bench" });
const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-loop-"));
const runtime = await seededRuntime(dir, entra, { clientId: "bench", scope: "s", names: ["pc"] });
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
