/** CLI cold starts (1 profile) against `node -e 0`, whole processes, interleaved; compile cache warm. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, timeProcess } from "./process-probe.ts";
import { writeScaleConfig } from "./scale-config.ts";
import { interleaved, type Result, result } from "./stats.ts";

export async function benchColdStart(rounds: number): Promise<Result[]> {
  const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-cold-"));
  try {
    const config = await writeScaleConfig(dir, 1);
    const command = (args: string[]) => () => timeProcess([BIN, ...args, "-c", config], dir);
    const contenders = {
      node: () => timeProcess(["-e", "0"]),
      version: () => timeProcess([BIN, "--version"], dir),
      validate: command(["validate"]),
      status: command(["status"]),
    };
    await interleaved(1, contenders); // fills Node's compile cache
    const values = await interleaved(rounds, contenders);
    const floor = { name: "node -e 0", values: values.node };
    return [
      result("partnerd --version, cold start (ms)", "ms", values.version, floor, "<= 4x"),
      result("partnerd validate, 1 profile, cold start (ms)", "ms", values.validate, floor, "<= 4x"),
      result("partnerd status, 1 profile, cold start (ms)", "ms", values.status, floor, "<= 4x"),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
