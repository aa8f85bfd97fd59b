/**
 * `validate`, `status` and `run` with many profiles, as whole processes: wall time and peak RSS, and for
 * `run` the time until it serves, its armed timers and its idle CPU. Baseline: `node -e 0`, the floor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, probe, probeDaemon } from "./process-probe.ts";
import { writeScaleConfig } from "./scale-config.ts";
import { interleaved, type Result, result } from "./stats.ts";

export async function benchScale(counts: number[], rounds: number, idleMs: number): Promise<Result[]> {
  const results: Result[] = [];
  for (const count of counts) {
    const dir = await mkdtemp(join(tmpdir(), `partnerd-bench-scale-${count}-`));
    try {
      const config = await writeScaleConfig(dir, count);
      const rss: Record<string, number[]> = { validate: [], status: [] };
      const timed = (command: "validate" | "status") => async () => {
        const probed = await probe([BIN, command, "-c", config], dir);
        rss[command]!.push(probed.rssMb);
        return probed.ms;
      };
      const values = await interleaved(rounds, {
        node: async () => (await probe(["-e", "0"])).ms,
        validate: timed("validate"),
        status: timed("status"),
      });
      const floor = { name: "node -e 0", values: values.node };
      const mb = (xs: number[]) => `${Math.max(...xs).toFixed(0)} MB`;
      const big = count >= 10_000;
      results.push(
        result(
          `validate, ${count} profiles (ms)`,
          "ms",
          values.validate,
          floor,
          big ? "< 1000 ms, < 200 MB" : "linear",
          {
            "peak RSS": mb(rss.validate!),
          },
        ),
        result(`status, ${count} profiles (ms)`, "ms", values.status, floor, big ? "< 500 ms" : "linear", {
          "peak RSS": mb(rss.status!),
        }),
      );
      const daemons = [];
      for (let i = 0; i < Math.max(1, Math.floor(rounds / 2)); i++)
        daemons.push(await probeDaemon(config, idleMs));
      results.push(
        result(
          `run, ${count} profiles: time until serving (ms)`,
          "ms",
          daemons.map((d) => d.readyMs),
          floor,
          big ? "< 2000 ms, < 150 MB, O(1) timers" : "linear",
          {
            "peak RSS": mb(daemons.map((d) => d.rssMb)),
            "armed timers": daemons[0]!.timers,
            [`idle CPU over ${idleMs / 1000} s`]: `${Math.min(...daemons.map((d) => d.idleCpuMs)).toFixed(0)} ms`,
          },
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}
