/**
 * Runs partnerd (or node) as a whole process and reports wall time and peak RSS. The child reports its
 * own peak RSS at exit (VmHWM: getrusage's maxrss survives exec on Linux, so a child would report the
 * bench's own peak), and on SIGUSR2 its armed timers and its memory, through a preloaded module.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../packages/cli/bin/partnerd.js", import.meta.url));

const PROBE = `data:text/javascript,${encodeURIComponent(`
import { readFileSync, writeSync } from "node:fs";
import v8 from "node:v8";
const peakKb = () => {
  try {
    return Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
};
process.on("exit", () => writeSync(2, "\\nBENCH_RSS_KB " + peakKb() + "\\n"));
process.on("SIGUSR2", () => {
  writeSync(2, "\\nBENCH_TIMERS " + process.getActiveResourcesInfo().filter((r) => r === "Timeout").length + "\\n");
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? NaN;
  globalThis.gc?.();
  const live = globalThis.gc ? v8.getHeapStatistics().used_heap_size : NaN;
  writeSync(2, "\\nBENCH_HEAP " + live + " " + young + " " + process.memoryUsage.rss() + "\\n");
});
`)}`;

/** Wall time of `node [args]` without the probe, for start-up times (the probe itself costs ~15 ms). */
export async function timeProcess(args: string[], cwd?: string): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"], cwd });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`node ${args.join(" ")} exited ${code}`);
  return performance.now() - start;
}

export interface Probed {
  ms: number;
  rssMb: number;
}

/** Wall time and peak RSS of `node [args]`, which must exit 0 (or `okCodes`). */
export async function probe(args: string[], cwd?: string, okCodes = [0]): Promise<Probed> {
  const start = performance.now();
  const child = spawn(process.execPath, ["--import", PROBE, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    cwd,
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ms = performance.now() - start;
  if (!okCodes.includes(code ?? -1))
    throw new Error(`node ${args.join(" ")} exited ${code}: ${stderr.slice(-500)}`);
  return { ms, rssMb: rssOf(stderr) };
}

function rssOf(stderr: string): number {
  const match = /BENCH_RSS_KB (\d+)/.exec(stderr);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export interface Daemon {
  readyMs: number;
  /** Peak RSS over the daemon's life (VmHWM). */
  rssMb: number;
  timers: number;
  /** CPU used while idle over `idleMs`, in ms. */
  idleCpuMs: number;
  /** The JS heap's live data after start-up: used after a full GC once idle. */
  liveHeapMb: number;
  /** The size V8 gave its young generation (both semi-spaces) by then. */
  youngGenerationMb: number;
  /** RSS once idle, after that GC. */
  idleRssMb: number;
}

/**
 * `NODE_OPTIONS` as the shipped systemd unit sets it (`Environment=NODE_OPTIONS=...`), so that the bench
 * follows the unit; empty when it sets none.
 */
export function systemdUnitNodeOptions(): string {
  const unit = readFileSync(new URL("../examples/systemd/partnerd.service", import.meta.url), "utf8");
  return /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1]?.trim() ?? "";
}

/**
 * Starts `partnerd run`, waits until it serves, counts its timers, measures idle CPU and memory, stops
 * it. `nodeOptions`: a `NODE_OPTIONS` for the daemon (the systemd unit's). `--expose-gc` only lets the
 * probe run a full GC after the idle stretch, to see the live heap; it changes no heap sizing.
 */
export async function probeDaemon(config: string, idleMs: number, nodeOptions = ""): Promise<Daemon> {
  const start = performance.now();
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--import", PROBE, BIN, "run", "-c", config, "--log-format", "json"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, nodeOptions].filter(Boolean).join(" "),
      },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("serving access tokens")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`partnerd run exited ${code}: ${stderr.slice(-500)}`)));
  });
  const readyMs = performance.now() - start;
  // Let start-up work finish (the profile board, the expiry check), then measure an idle stretch.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const cpuBefore = cpuTicksOf(child.pid!);
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const idleCpuMs = (cpuTicksOf(child.pid!) - cpuBefore) * 10; // 100 ticks per second
  child.kill("SIGUSR2");
  await new Promise((resolve) => setTimeout(resolve, 200));
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  const timers = Number(/BENCH_TIMERS (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
  const [live, young, idleRss] = (/BENCH_HEAP (\S+) (\S+) (\S+)/.exec(stderr)?.slice(1) ?? []).map(
    (bytes) => Number(bytes) / 1024 / 1024,
  );
  return {
    readyMs,
    rssMb: rssOf(stderr),
    timers,
    idleCpuMs,
    liveHeapMb: live ?? Number.NaN,
    youngGenerationMb: young ?? Number.NaN,
    idleRssMb: idleRss ?? Number.NaN,
  };
}

function cpuTicksOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return Number.NaN;
  }
}
