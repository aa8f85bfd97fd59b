/**
 * `validate`, `status` and `run` with many profiles, as whole processes: wall time and peak RSS, and for
 * `run` the time until it serves, its armed timers, its idle CPU, and what its memory is: the JS heap's
 * live data, the young generation V8 sized from this machine's memory, and the peak under the systemd
 * unit's `NODE_OPTIONS`. Baseline: `node -e 0`, the floor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, type Daemon, probe, probeDaemon, systemdUnitNodeOptions } from "./process-probe.ts";
import { writeScaleConfig } from "./scale-config.ts";
import { interleaved, median, type Result, result } from "./stats.ts";

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
      const unitOptions = systemdUnitNodeOptions();
      const daemons: Daemon[] = [];
      const underUnit: Daemon[] = [];
      for (let i = 0; i < Math.max(1, Math.floor(rounds / 2)); i++) {
        daemons.push(await probeDaemon(config, idleMs));
        if (unitOptions) underUnit.push(await probeDaemon(config, idleMs, unitOptions));
      }
      const medianMb = (xs: number[]) => `${median(xs).toFixed(0)} MB`;
      results.push(
        result(
          `run, ${count} profiles: time until serving (ms)`,
          "ms",
          daemons.map((d) => d.readyMs),
          floor,
          big ? "< 2000 ms, < 150 MB, O(1) timers" : "linear",
          {
            "peak RSS": mb(daemons.map((d) => d.rssMb)),
            // The peak above is mostly V8's young generation, which V8 sizes from the machine's memory
            // (up to 2 x 64 MB) and grows while much of what is allocated survives, as while the config
            // loads; only a start-up flag caps it. These say what the memory is.
            "JS heap live after start-up (full GC)": medianMb(daemons.map((d) => d.liveHeapMb)),
            "young generation V8 sized (both semi-spaces)": medianMb(daemons.map((d) => d.youngGenerationMb)),
            "RSS once idle, after that GC": medianMb(daemons.map((d) => d.idleRssMb)),
            ...(unitOptions
              ? {
                  [`peak RSS under the systemd unit (NODE_OPTIONS=${unitOptions})`]: mb(
                    underUnit.map((d) => d.rssMb),
                  ),
                }
              : {}),
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
