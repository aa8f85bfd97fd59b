import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { rewriteJsonInPlace } from "../fs/rewrite-in-place.ts";

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
