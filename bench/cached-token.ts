/**
 * `partnerd token <profile>` answered from a running daemon's cache, against `node -e 0` (the floor of any
 * Node CLI), as whole processes, interleaved. Target: within 5x, with no redemption after the first.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { standaloneStoreContext } from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import { FakeEntra } from "@partnerd/testkit";
import { BIN, timeProcess } from "./process-probe.ts";
import { interleaved, type Result, result } from "./stats.ts";

export async function benchCachedToken(rounds: number): Promise<Result> {
  const entra = await FakeEntra.start();
  const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-token-"));
  entra.registerClient({ clientId: "bench-token" });
  await entra.writeCaFile(join(dir, "ca.pem"));
  const config = join(dir, "partnerd.yaml");
  await writeFile(
    config,
    `stateDir: ./state\nnetwork: { caFile: ./ca.pem }\nprofiles:\n  pc:\n    applicationId: bench-token\n    authority: ${entra.url}\n    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]\n    schedule: "0 0 1 1 *"\n`,
  );
  const store = await fileStore.create(
    { dir: join(dir, "state", "secrets") },
    standaloneStoreContext({ configDir: dir, storeId: "default" }),
  );
  await store.put("pc", entra.issueRefreshToken({ clientId: "bench-token" }), {
    profile: "pc",
    fingerprint: "seed",
    refreshedAt: new Date(),
    expiresByInactivityAt: new Date(),
  });
  const daemon = spawn(process.execPath, [BIN, "run", "-c", config], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) =>
    daemon.stdout!.on(
      "data",
      (chunk: Buffer) => chunk.toString().includes("serving access tokens") && resolve(),
    ),
  );
  const token = () => timeProcess([BIN, "token", "pc", "-c", config]);
  await token(); // the one redemption; also warms Node's compile cache
  const redemptions = entra.redemptionCount;
  const values = await interleaved(rounds, { node: () => timeProcess(["-e", "0"]), token });
  daemon.kill("SIGTERM");
  await new Promise((resolve) => daemon.once("exit", resolve));
  const redeemed = entra.redemptionCount - redemptions;
  await store.close?.();
  await entra.close();
  await rm(dir, { recursive: true, force: true });
  return result(
    "partnerd token pc, from the daemon's cache (ms)",
    "ms",
    values.token,
    { name: "node -e 0", values: values.node },
    "<= 5x, no redemption",
    { "redemptions during the rounds": redeemed },
  );
}
