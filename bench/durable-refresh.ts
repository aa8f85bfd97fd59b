/**
 * Durable refresh throughput: every profile refreshed once per round, `concurrency` at a time, against a
 * loopback fake Entra ID. partnerd's whole refresh (store read, redemption, journal, store write and
 * read-back, journal clear, status) against a bare msal-node script with the same durability, and, as
 * notes, the same script without durability and raw HTTP.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeEntra } from "@partnerd/testkit";
import { bareMsal, caAgent, type Redeemer, rawHttp, writeDurably } from "./bare-clients.ts";
import { seededRuntime } from "./seeded-runtime.ts";
import { interleaved, type Result, result } from "./stats.ts";

const CLIENT_ID = "bench-client";
const SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation";

export interface DurableRefreshOptions {
  profiles: number;
  concurrency: number;
  rounds: number;
}

export async function benchDurableRefresh(options: DurableRefreshOptions): Promise<Result> {
  const { profiles: count, concurrency, rounds } = options;
  const entra = await FakeEntra.start();
  entra.registerClient({ clientId: CLIENT_ID });
  const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-refresh-"));
  try {
    const names = Array.from({ length: count }, (_, i) => `p${i}`);
    const runtime = await seededRuntime(dir, entra, { clientId: CLIENT_ID, scope: SCOPE, names });

    const agent = caAgent(await readFile(join(dir, "ca.pem"), "utf8"));
    const durableDir = join(dir, "script");
    await mkdir(durableDir, { mode: 0o700 });
    const chain = (redeemer: Redeemer, durable: boolean) => {
      const tokens = new Map(names.map((n) => [n, entra.issueRefreshToken({ clientId: CLIENT_ID })]));
      return async (name: string) => {
        const rotated = await redeemer.redeem(name, tokens.get(name)!);
        if (durable) await writeDurably(durableDir, name, rotated);
        tokens.set(name, rotated);
      };
    };
    const msal = bareMsal(agent, entra.authority(), CLIENT_ID, SCOPE);
    const contenders = {
      partnerd: async (name: string) => {
        const outcome = await runtime.refresh(name);
        if (outcome.status !== "refreshed") throw new Error(`refresh ${outcome.status}`);
      },
      durableScript: chain(msal, true),
      bareMsal: chain(bareMsal(agent, entra.authority(), CLIENT_ID, SCOPE), false),
      rawHttp: chain(rawHttp(agent, entra.tokenEndpoint(), CLIENT_ID, SCOPE), false),
    };
    const cpuMs: Record<string, number[]> = { partnerd: [], durableScript: [], bareMsal: [], rawHttp: [] };
    const roundOf = (name: keyof typeof contenders) => async () => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await forEachConcurrently(names, concurrency, contenders[name]);
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      cpuMs[name]!.push((used.user + used.system) / 1000 / count);
      return count / seconds;
    };
    // Warm-up: connections, JIT, msal's metadata.
    await interleaved(1, {
      a: roundOf("partnerd"),
      b: roundOf("durableScript"),
      c: roundOf("bareMsal"),
      d: roundOf("rawHttp"),
    });
    for (const key of Object.keys(cpuMs)) cpuMs[key] = [];
    const values = await interleaved(rounds, {
      partnerd: roundOf("partnerd"),
      durableScript: roundOf("durableScript"),
      bareMsal: roundOf("bareMsal"),
      rawHttp: roundOf("rawHttp"),
    });
    await runtime.close();
    await agent.close();
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return result(
      `durable refresh, ${count} profiles, concurrency ${concurrency} (refreshes/s, higher is better)`,
      "refreshes/s",
      values.partnerd,
      { name: "bare msal-node + temp, fsync, rename, fsync dir", values: values.durableScript },
      ">= 1.0x",
      {
        "bare msal-node, no durability": `${med(values.bareMsal).toFixed(0)} refreshes/s`,
        "raw HTTP POST, no durability": `${med(values.rawHttp).toFixed(0)} refreshes/s`,
        "CPU per refresh (this process, fake Entra included)": `partnerd ${med(cpuMs.partnerd!).toFixed(2)} ms, durable script ${med(cpuMs.durableScript!).toFixed(2)} ms`,
      },
    );
  } finally {
    await entra.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `fn` over `items`, at most `limit` at a time. */
export async function forEachConcurrently(
  items: string[],
  limit: number,
  fn: (item: string) => Promise<unknown>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
