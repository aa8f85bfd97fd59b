import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { resolveStateDir } from "./config/state-dir.ts";
import type { ProfileStatus } from "./engine/status.ts";
import { parseStatus } from "./engine/status-file.ts";

/**
 * What `partnerd status` reads from the state folder besides the events memos: the journal's and the
 * events folder's listings, and every status file listed, read as `readStatuses` reads it.
 */
export interface StateFolderSnapshot {
  stateDir: string;
  journal: Set<string>;
  events: Set<string>;
  statuses: Map<string, ProfileStatus>;
}

export interface StatePrefetch {
  /** What was read, if it was read from `stateDir` (the validated config's) and nothing failed. */
  take(stateDir: string): Promise<StateFolderSnapshot | undefined>;
  /** Stops the read; for when the config turned out unusable. */
  cancel(): void;
}

interface PrefetchRequest {
  configFile: string;
  /** Where the state folder is when the config names none. */
  defaultStateDir: string;
}

/** The worker's messages: the folder it reads, as soon as it knows it, then what it read there. */
type PrefetchMessage = { stateDir: string } | { snapshot: StateFolderSnapshot };

/**
 * Below this size a config loads faster than a worker starts (~35 ms): the caller would wait for it.
 * 512 KiB is ~2,000 profiles; 1,000 profiles gained nothing in measurements, 10,000 gained ~0.1 s.
 */
const MIN_CONFIG_BYTES = 512 * 1024;

const NOTHING: StatePrefetch = { take: async () => undefined, cancel: () => {} };

/**
 * Reads the state folder on another thread while this one loads and validates the config (~0.4 s at
 * 10,000 profiles, against ~0.1 s to read 10,000 status files here), for a config of `minConfigBytes` or
 * more, on a machine with a second core. The folder is named inside the config, so the worker guesses
 * it from the config's text; the caller uses what it read only when the folder equals the validated
 * config's `stateDir`. A wrong guess, or a worker that fails, costs the caller nothing but the read it
 * then does itself.
 */
export function prefetchStateFolder(
  configFile: string,
  {
    env = process.env,
    minConfigBytes = MIN_CONFIG_BYTES,
  }: { env?: NodeJS.ProcessEnv; minConfigBytes?: number } = {},
): StatePrefetch {
  let size: number;
  try {
    size = statSync(configFile).size;
  } catch {
    return NOTHING; // the config's load reports why it cannot read the file
  }
  // With one core the worker (~35 ms to start, ~50 ms of CPU more in all) would take turns with this thread.
  if (size < minConfigBytes || availableParallelism() < 2) return NOTHING;
  const request: PrefetchRequest = { configFile, defaultStateDir: resolveStateDir(undefined, "/", env) };
  let worker: Worker;
  try {
    // Plain JavaScript from this module's own functions: a TypeScript module would cost the worker
    // ~60 ms of loading the type stripper. No exec arguments: a preloaded module would run again there.
    worker = new Worker(
      `(${readStateFolder})(process.getBuiltinModule("node:worker_threads").workerData, ${writtenStateDir}, ${parseStatus});`,
      { eval: true, workerData: request, execArgv: [], stdout: true, stderr: true },
    );
  } catch {
    return NOTHING;
  }
  // Never what keeps the process alive, except while `take` waits for it.
  worker.unref();
  let folderKnown: (stateDir: string | undefined) => void = () => {};
  let snapshotRead: (snapshot: StateFolderSnapshot | undefined) => void = () => {};
  const folder = new Promise<string | undefined>((resolve) => {
    folderKnown = resolve;
  });
  const snapshot = new Promise<StateFolderSnapshot | undefined>((resolve) => {
    snapshotRead = resolve;
  });
  worker.on("message", (message: PrefetchMessage) => {
    if ("stateDir" in message) folderKnown(message.stateDir);
    else snapshotRead(message.snapshot);
  });
  const failed = () => {
    folderKnown(undefined);
    snapshotRead(undefined);
  };
  worker.on("error", failed);
  worker.on("exit", failed);
  const cancel = () => {
    failed();
    void worker.terminate();
  };
  return {
    async take(stateDir) {
      worker.ref();
      try {
        if ((await folder) !== stateDir) {
          cancel();
          return undefined;
        }
        return await snapshot;
      } finally {
        worker.unref();
      }
    },
    cancel,
  };
}

/**
 * The worker's body; runs as the source text of this function, so it uses nothing from outside it but its
 * arguments (the source of {@link writtenStateDir} and `parseStatus`: a name imported here would not
 * exist there). Lists the folders as `profileReports` does, then reads every status file.
 */
function readStateFolder(
  { configFile, defaultStateDir }: PrefetchRequest,
  guessStateDir: typeof writtenStateDir,
  statusOf: typeof parseStatus,
): void {
  const { readdirSync, readFileSync } = process.getBuiltinModule("node:fs");
  const { dirname, join, resolve } = process.getBuiltinModule("node:path");
  const post = (message: PrefetchMessage) =>
    process.getBuiltinModule("node:worker_threads").parentPort?.postMessage(message);
  const written = guessStateDir(readFileSync(configFile, "utf8"));
  const stateDir = written === undefined ? defaultStateDir : resolve(dirname(configFile), written);
  post({ stateDir });
  const jsonNames = (dir: string): Set<string> => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") names = [];
      else throw error;
    }
    return new Set(names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length)));
  };
  const journal = jsonNames(join(stateDir, "journal"));
  const events = jsonNames(join(stateDir, "events"));
  const statuses = new Map<string, ProfileStatus>();
  for (const name of jsonNames(join(stateDir, "status"))) {
    let text: string | undefined;
    try {
      text = readFileSync(join(stateDir, "status", `${name}.json`), "utf8");
    } catch {
      text = undefined;
    }
    // Damaged or caught half rewritten: `{}`, which `profileReports` reads again through the status book.
    statuses.set(name, (text === undefined ? undefined : statusOf(text)) ?? {});
  }
  post({ snapshot: { stateDir, journal, events, statuses } });
}

/**
 * The `stateDir` a config's text sets at its top level, read with a pattern instead of the parser, for a
 * guess that the validated config confirms or discards: a plain or simply quoted YAML scalar, or a JSON
 * string without escapes. Undefined when there is none or it is written any other way.
 */
export function writtenStateDir(text: string): string | undefined {
  const json = /^\s*\{[\s\S]*?"stateDir"\s*:\s*"([^"\\]*)"/.exec(text);
  if (json) return json[1];
  const line = /^stateDir[ \t]*:[ \t]+(.*)$/m.exec(text)?.[1];
  if (line === undefined) return undefined;
  const quoted = /^(?:"([^"\\]*)"|'([^']*)')[ \t]*(?:#.*)?$/.exec(line);
  if (quoted) return quoted[1] ?? quoted[2];
  const plain = /^([^\s&*!|>%@`{}[\],#'"][^#]*?)[ \t]*(?:[ \t]#.*)?$/.exec(line);
  return plain?.[1] || undefined;
}
