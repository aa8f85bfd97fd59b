import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flushStatus, StatusBook } from "../src/engine/status.ts";
import { statusFilePath } from "../src/state-paths.ts";
import { readStatus, readStatuses } from "../src/status-snapshot.ts";
import { testdir } from "./config/helpers.ts";

describe("readStatuses", () => {
  it("reads every profile's status at once; missing, damaged and non-object files read as empty and stay put", async () => {
    const stateDir = await testdir();
    const book = new StatusBook(stateDir);
    await book.update("ok", () => ({ lastSuccessAt: "2026-03-10T03:00:00.000Z", needsConsent: true }));
    await flushStatus();
    await mkdir(join(stateDir, "status"), { recursive: true });
    await writeFile(statusFilePath(stateDir, "torn"), '{"lastSuccessAt": "2026-');
    await writeFile(statusFilePath(stateDir, "list"), "[1, 2]");
    // More profiles than one batch, so the reads yield in between and still keep the order asked for.
    const names = ["ok", "missing", "torn", "list", ...Array.from({ length: 600 }, (_, i) => `p-${i}`)];

    const statuses = await readStatuses(stateDir, names);

    expect([...statuses.keys()]).toEqual(names);
    expect(statuses.get("ok")).toEqual(await book.read("ok"));
    expect(statuses.get("ok")).toMatchObject({
      lastSuccessAt: "2026-03-10T03:00:00.000Z",
      needsConsent: true,
    });
    expect(statuses.get("missing")).toEqual({});
    expect(statuses.get("torn")).toEqual({});
    expect(statuses.get("list")).toEqual({});
    expect(await readStatus(stateDir, "ok")).toEqual(statuses.get("ok"));
    expect(await readStatus(stateDir, "torn")).toEqual({});
    // Setting a damaged file aside is the engine's StatusBook's job, at the profile's next run.
    expect((await readdir(join(stateDir, "status"))).sort()).toEqual(["list.json", "ok.json", "torn.json"]);
  });
});
