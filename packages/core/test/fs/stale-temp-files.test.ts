import { mkdtemp, readdir, rename, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeStaleTempFiles, tempPathFor } from "../../src/fs/atomic-write.ts";

describe("removeStaleTempFiles", () => {
  it("removes temp files unchanged for the period, but never an old file renamed to a labelled temp name a moment ago", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partnerd-stale-temp-"));
    const dayAgo = new Date(Date.now() - 86_400_000);
    // Left by a crash a day ago.
    const stale = tempPathFor(join(dir, "pc"));
    await writeFile(stale, "RT-half-written", { mode: 0o600 });
    await utimes(stale, dayAgo, dayAgo);
    // A file last written a day ago, renamed just now to be rewritten (the file store's reused
    // `.previous`): its content is old, its change time is not.
    const previous = join(dir, "pc.previous");
    await writeFile(previous, "RT-previous", { mode: 0o600 });
    await utimes(previous, dayAgo, dayAgo);
    const reused = tempPathFor(join(dir, "pc"), "7");
    await rename(previous, reused);

    expect(await removeStaleTempFiles(dir)).toBe(1);
    expect(await readdir(dir)).toEqual([reused.slice(dir.length + 1)]);
    // Once that, too, has been left alone for the period, it goes.
    expect(await removeStaleTempFiles(dir, -1)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });
});
