import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { rewriteJsonInPlace } from "../fs/rewrite-in-place.ts";
import type { ProfileStatus } from "./status.ts";

/** A read that catches an in-place write half done does not parse: read again. */
const TORN_READ_RETRIES = 2;

/**
 * Writes a profile's status file; returns the text now in it. Status is advisory and rewritten after
 * every refresh: a temp file and a rename would cost two folder changes each time, and each queues
 * behind the tokens' fsyncs in the file system's journal (measured: a tenth of a durable refresh's
 * throughput). So an existing file is rewritten in place (see `rewriteJsonInPlace` for what a reader
 * may see); the first write creates it atomically.
 */
export async function writeStatusText(path: string, json: string): Promise<string> {
  const rewritten = rewriteJsonInPlace(path, json);
  if (rewritten !== undefined) return rewritten;
  const text = `${json}\n`;
  await writeFileAtomic(path, text, { durable: false, createDir: true });
  return text;
}

/** The file's text; `undefined` when there is no file. Other failures throw. */
export function readStatusText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The file's text and status, read again when caught in the middle of an in-place write; `status` is
 * undefined when the file stays damaged, and the result undefined when there is no file. Other read
 * failures throw.
 */
export function readParsedStatus(
  path: string,
): { text: string; status: ProfileStatus | undefined } | undefined {
  for (let attempt = 0; ; attempt++) {
    const text = readStatusText(path);
    if (text === undefined) return undefined;
    const status = parseStatus(text);
    if (status || attempt >= TORN_READ_RETRIES) return { text, status };
  }
}

/**
 * The status, or undefined when the text is not a status object (damaged, torn by a crash, or caught
 * half rewritten). Self-contained: `state-prefetch.ts` runs its source text on a worker.
 */
export function parseStatus(text: string): ProfileStatus | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as ProfileStatus;
  } catch {
    // damaged, or caught half rewritten
  }
  return undefined;
}
