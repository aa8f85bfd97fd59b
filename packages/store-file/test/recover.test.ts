import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Logger, type SecretMetadata, silentLogger } from "@partnerd/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileStore, envelopeCheck, type FileEnvelope } from "../src/index.ts";

// A crash between a put's fsync of its temp file and the folder fsync after its rename can leave the
// newest token only in the temp file. The file store is then a profile's only durable copy (the engine
// journals nothing in front of it), so opening it must finish that write, and only that one.

const META: SecretMetadata = {
  profile: "pc",
  fingerprint: "fp",
  refreshedAt: new Date("2026-01-02T03:04:05.000Z"),
  expiresByInactivityAt: new Date("2026-04-02T03:04:05.000Z"),
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "partnerd-file-recover-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function envelope(version: number, value: string, check = envelopeCheck(String(version), value)): string {
  const file: FileEnvelope = {
    partnerd: 1,
    version: String(version),
    updatedAt: new Date().toISOString(),
    check,
    value,
  };
  return `${JSON.stringify(file)}\n`;
}

/**
 * What a crash leaves: the temp file `writeFileAtomic` names, complete (or torn), never renamed, and
 * old enough that no live writer holds it (opening a store leaves younger ones alone).
 */
async function leaveTempFile(name: string, text: string, ageSeconds = 120, label = ""): Promise<string> {
  const path = join(dir, `.${name}${label}.${"ab12".repeat(3)}.tmp`);
  await writeFile(path, text, { mode: 0o600 });
  await backdate(path, ageSeconds);
  return path;
}

/** Sets a file's times `seconds` back: a secret written before the crash that left a temp file. */
async function backdate(path: string, seconds: number): Promise<void> {
  const at = new Date(Date.now() - seconds * 1000);
  await utimes(path, at, at);
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`),
    child: () => logger,
  };
  return logger;
}

describe("file store: a write a crash interrupted", () => {
  it("is completed on open when the temp file is whole and newer, keeping the replaced value as .previous", async () => {
    const store = await createFileStore({ dir });
    await store.put("pc", "TOKEN-1", META);
    await store.close();
    await backdate(join(dir, "pc"), 3600);
    await leaveTempFile("pc", envelope(2, "TOKEN-2"));
    const warnings: string[] = [];
    const reopened = await createFileStore({ dir }, { logger: recordingLogger(warnings) });
    expect(await reopened.get("pc")).toMatchObject({ value: "TOKEN-2", version: "2" });
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    expect(warnings.join("\n")).toContain("completed a write that a crash interrupted");
    expect(warnings.join("\n")).not.toContain("TOKEN-2");
    // The next put goes on from the recovered generation.
    expect(await reopened.put("pc", "TOKEN-3", META)).toEqual({ version: "3" });
    expect(JSON.parse(await readFile(join(dir, "pc.previous"), "utf8")).value).toBe("TOKEN-2");
  });

  it("is completed when the secret did not exist before the interrupted first write", async () => {
    await leaveTempFile("fresh", envelope(1, "FIRST"));
    const store = await createFileStore({ dir });
    expect(await store.get("fresh")).toMatchObject({ value: "FIRST", version: "1" });
  });

  it("is left alone when torn (the crash came before the fsync), not newer, or older than the file", async () => {
    const store = await createFileStore({ dir });
    await store.put("torn", "KEEP-TORN", META);
    await store.put("older", "KEEP-1", META);
    await store.put("older", "KEEP-2", META);
    await store.close();
    await writeFile(join(dir, "hand"), "PERSON-PASTED-TOKEN\n", { mode: 0o600 }); // a newer consent, by hand
    await leaveTempFile("torn", '{"partnerd":1,"version":"2","val');
    await leaveTempFile("older", envelope(2, "STALE"));
    await leaveTempFile("hand", envelope(5, "FROM-BEFORE-THE-PASTE"), 3600);
    const reopened = await createFileStore({ dir });
    expect((await reopened.get("torn"))?.value).toBe("KEEP-TORN");
    expect((await reopened.get("older"))?.value).toBe("KEEP-2");
    expect((await reopened.get("hand"))?.value).toBe("PERSON-PASTED-TOKEN");
  });

  it("is left alone when its check fails: a reused file rewritten part way, or one without a check", async () => {
    const store = await createFileStore({ dir });
    await store.put("pc", "KEEP", META);
    await store.close();
    // The new generation and check over the old value: what a crash can leave of a file rewritten in place.
    await leaveTempFile("pc", envelope(2, "OLD-VALUE", envelopeCheck("2", "NEW-VALUE")));
    await leaveTempFile("other", envelope(1, "NO-CHECK", "").replace(',"check":""', ""));
    const reopened = await createFileStore({ dir });
    expect(await reopened.get("pc")).toMatchObject({ value: "KEEP", version: "1" });
    expect(await reopened.get("other")).toBeNull();
  });

  it("is left to its writer while young: opening a store never takes another process's write in progress", async () => {
    const store = await createFileStore({ dir });
    await store.put("pc", "TOKEN-1", META);
    await store.close();
    await backdate(join(dir, "pc"), 3600);
    // Whole, checked and newer, as a live put's temp file is between its fsync and its rename.
    const inFlight = await leaveTempFile("pc", envelope(2, "TOKEN-2"), 5);
    const warnings: string[] = [];
    const opened = await createFileStore({ dir }, { logger: recordingLogger(warnings) });
    expect(await opened.get("pc")).toMatchObject({ value: "TOKEN-1", version: "1" });
    expect(await readdir(dir)).toContain(inFlight.slice(dir.length + 1));
    expect(warnings).toEqual([]);
    // Once its writer is known dead (the engine, under the profile's lock), it is completed at once.
    await opened.recover("pc");
    expect(await opened.get("pc")).toMatchObject({ value: "TOKEN-2", version: "2" });
    expect(warnings.join("\n")).toContain("completed a write that a crash interrupted");
  });

  it("opening stores again and again while another process writes fails none of its writes", async () => {
    const source = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    // Before opening stores waited for temp files to settle, ~4% of such puts failed: the opener
    // renamed the writer's fsync'd temp file into place first. And before the sweep of stale temp
    // files looked at the change time too, it removed a reused `.previous` (last written a day ago,
    // as with a daily schedule: the writer backdates it) in the moment it was the writer's temp file.
    const writer = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { utimesSync } = await import("node:fs");
         const { createFileStore } = await import(${JSON.stringify(source)});
         const store = await createFileStore({ dir: ${JSON.stringify(dir)} });
         const meta = { profile: "pc", fingerprint: "fp", refreshedAt: new Date(), expiresByInactivityAt: new Date() };
         const dayAgo = new Date(Date.now() - 86_400_000);
         let failed = 0, puts = 0;
         for (const end = Date.now() + 1500; Date.now() < end; puts++) {
           try { utimesSync(${JSON.stringify(join(dir, "pc.previous"))}, dayAgo, dayAgo); } catch {}
           await store.put("pc", "VALUE-" + puts, meta).catch(() => failed++);
         }
         console.log(JSON.stringify({ puts, failed }));`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    writer.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const exited = once(writer, "exit");
    const warnings: string[] = [];
    let opens = 0;
    while (writer.exitCode === null) {
      await (await createFileStore({ dir }, { logger: recordingLogger(warnings) })).close();
      opens++;
    }
    await exited;
    const { puts, failed } = JSON.parse(output) as { puts: number; failed: number };
    expect({ failed, warnings, someOpens: opens > 100, somePuts: puts > 100 }).toEqual({
      failed: 0,
      warnings: [],
      someOpens: true,
      somePuts: true,
    });
  });

  it("never takes a reused .previous renamed but not yet rewritten, even with the secret deleted by hand", async () => {
    const store = await createFileStore({ dir });
    for (const value of ["TOKEN-1", "TOKEN-2", "TOKEN-3"]) await store.put("pc", value, META);
    await store.close();
    // A crash right after a put of generation 4 renamed `.previous` (generation 2) to its temp name.
    const stale = await readFile(join(dir, "pc.previous"), "utf8");
    await rm(join(dir, "pc.previous"));
    await leaveTempFile("pc", stale, 3600, "@4");
    await rm(join(dir, "pc")); // and then someone deleted the current file
    const reopened = await createFileStore({ dir });
    expect(await reopened.get("pc")).toBeNull();
    await reopened.recover("pc");
    expect(await reopened.get("pc")).toBeNull();
    // The same file rewritten to the generation its name holds, and fsync'd, is the newest token.
    await leaveTempFile("pc", envelope(4, "TOKEN-4"), 3600, "@4");
    expect(await (await createFileStore({ dir })).get("pc")).toMatchObject({
      value: "TOKEN-4",
      version: "4",
    });
  });

  it("is not taken from a temp file others could have planted (not 0600)", async () => {
    const path = await leaveTempFile("pc", envelope(9, "PLANTED"));
    await chmod(path, 0o644);
    const store = await createFileStore({ dir });
    expect(await store.get("pc")).toBeNull();
  });
});
