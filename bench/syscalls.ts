/**
 * File-system calls per durable refresh, counted with `strace -f -c` (skipped where strace is missing):
 * a run of N refreshes minus a run of none. Baseline: the hand-written script's temp, fsync, rename,
 * fsync dir is 2 fsyncs and 1 rename by construction.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Result, result } from "./stats.ts";

const LOOP = fileURLToPath(new URL("./refresh-loop.ts", import.meta.url));
const CALLS = ["fsync", "rename", "openat", "mkdir", "link", "unlink"] as const;

async function counts(
  refreshes: number,
  dir: string,
): Promise<{ calls: Record<string, number>; posts: number }> {
  const out = join(dir, `strace-${refreshes}.txt`);
  const { stdout } = await promisify(execFile)("strace", [
    "-f",
    "-c",
    "-o",
    out,
    "-e",
    `trace=${CALLS.join(",")}`,
    process.execPath,
    LOOP,
    String(refreshes),
  ]);
  const calls: Record<string, number> = {};
  for (const line of (await readFile(out, "utf8")).split("\n")) {
    const fields = line.trim().split(/\s+/);
    const name = fields.at(-1)!;
    if ((CALLS as readonly string[]).includes(name)) calls[name] = Number(fields[3]);
  }
  return { calls, posts: (JSON.parse(stdout) as { tokenRequests: number }).tokenRequests };
}

export async function benchSyscalls(refreshes: number): Promise<Result | undefined> {
  const available = await promisify(execFile)("strace", ["-V"]).then(
    () => true,
    () => false,
  );
  if (!available) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-strace-"));
  try {
    const none = await counts(0, dir);
    const many = await counts(refreshes, dir);
    const per = (name: string) => ((many.calls[name] ?? 0) - (none.calls[name] ?? 0)) / refreshes;
    const notes = Object.fromEntries(CALLS.map((name) => [name, per(name).toFixed(1)]));
    return result(
      "fsyncs per durable refresh (strace)",
      "fsync",
      [per("fsync")],
      { name: "temp, fsync, rename, fsync dir", values: [2] },
      "<= 4 fsync",
      {
        ...notes,
        "token POSTs per refresh": (many.posts / refreshes).toFixed(2),
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
