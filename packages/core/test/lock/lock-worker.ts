// Child process for the lock tests: takes a lock, then either holds it until killed or increments a
// counter file without any atomicity of its own (only the lock keeps increments from being lost).
import { readFile, writeFile } from "node:fs/promises";
import { FileLocks } from "../../src/lock/file-lock.ts";

const [mode, dir, key, counter, rounds] = process.argv.slice(2) as [string, string, string, string?, string?];
const locks = new FileLocks(dir, `lock-worker ${mode}`);

if (mode === "hold") {
  await locks.acquire(key, { waitMs: 10_000 });
  process.stdout.write("held\n");
  setInterval(() => undefined, 60_000);
} else {
  for (let i = 0; i < Number(rounds); i++) {
    const lock = await locks.acquire(key, { waitMs: 60_000 });
    const value = Number(await readFile(counter!, "utf8"));
    await new Promise((r) => setImmediate(r));
    await writeFile(counter!, String(value + 1));
    await lock.release();
  }
}
