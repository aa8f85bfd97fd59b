import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { Secret } from "../secret.ts";
import { describeReadError } from "./find.ts";
import { type ConfigPath, formatPath } from "./locate.ts";
import type { SecretRef } from "./secret-ref.ts";
import type { SecretSource } from "./types.ts";

export interface SecretContext {
  /** Folder of the config file: `{ file }` paths are relative to it. */
  dir: string;
  env: NodeJS.ProcessEnv;
  error(path: ConfigPath, message: string): void;
  /** Problems that do not stop partnerd (a secret file others can read); ignored when absent. */
  warn?(path: ConfigPath, message: string): void;
  /** Reads already made in this load, by absolute path, so that a file shared by profiles is read once. */
  fileReads?: Map<string, Promise<SecretFileRead>>;
}

/**
 * One `Secret` per file: profiles sharing a file share it (each would otherwise hash the value again),
 * and its path (10,000 copies of one path add up).
 */
export type SecretFileRead = { secret: Secret; file: string; exposed?: string } | { problem: string };

const CREDENTIALS = /\$\{CREDENTIALS_DIRECTORY\}|\$CREDENTIALS_DIRECTORY(?![A-Za-z0-9_])/g;
const MAX_SECRET_BYTES = 1024 * 1024;

/** Reads a secret file: trailing newlines go (editors and `echo` add them), nothing else is touched. */
async function readSecretFile(file: string): Promise<SecretFileRead> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // stat before open: opening a FIFO would block until a writer appears.
    if (!(await stat(file)).isFile()) return { problem: `secret file ${file} is not a regular file` };
    handle = await open(file, "r");
    const stats = await handle.stat();
    if (!stats.isFile()) return { problem: `secret file ${file} is not a regular file` };
    if (stats.size > MAX_SECRET_BYTES) return { problem: `secret file ${file} is larger than 1 MiB` };
    const value = (await handle.readFile("utf8")).replace(/(?:\r?\n)+$/, "");
    if (value === "") return { problem: `secret file ${file} is empty` };
    // As ssh does for keys: say so, since the secret may already be known to others.
    const exposed =
      process.platform !== "win32" && (stats.mode & 0o077) !== 0
        ? `secret file ${file} is readable or writable by group or others (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}); run: chmod 600 ${file}`
        : undefined;
    const secret = new Secret(value);
    return exposed ? { secret, file, exposed } : { secret, file };
  } catch (cause) {
    return { problem: `cannot read secret file ${file} (${describeReadError(cause)})` };
  } finally {
    await handle?.close();
  }
}

/**
 * Names of the environment variables partnerd has read a secret from in this process. A plugin that
 * starts programs (`StoreContext.secretEnvironmentNames`) must never hand these on.
 */
export const secretEnvironmentNames = new Set<string>();

/**
 * Turns a secret reference into a source: `{ env }` and `{ file }` are read now, into a `Secret`;
 * `{ store, name }` is left for the runtime, which has the stores. Problems are reported at the
 * reference; the value itself never reaches a message.
 */
export async function resolveSecretRef(
  ref: SecretRef,
  path: ConfigPath,
  ctx: SecretContext,
): Promise<SecretSource | undefined> {
  if ("env" in ref) {
    const value = ctx.env[ref.env];
    if (value === undefined) ctx.error([...path, "env"], `environment variable ${ref.env} is not set`);
    else if (value === "") ctx.error([...path, "env"], `environment variable ${ref.env} is empty`);
    else {
      secretEnvironmentNames.add(ref.env);
      return { kind: "value", secret: new Secret(value) };
    }
    return undefined;
  }
  if ("file" in ref) {
    const credentials = ctx.env.CREDENTIALS_DIRECTORY;
    const usesCredentials = ref.file.match(CREDENTIALS) !== null;
    if (usesCredentials && !credentials) {
      ctx.error(
        [...path, "file"],
        "uses $CREDENTIALS_DIRECTORY, which is not set (systemd sets it for units with LoadCredential=)",
      );
      return undefined;
    }
    const expanded = usesCredentials ? ref.file.replace(CREDENTIALS, () => credentials ?? "") : ref.file;
    const file = resolve(ctx.dir, expanded);
    let reading = ctx.fileReads?.get(file);
    if (!reading) {
      reading = readSecretFile(file);
      ctx.fileReads?.set(file, reading);
    }
    const read = await reading;
    if ("problem" in read) {
      ctx.error([...path, "file"], read.problem);
      return undefined;
    }
    if (read.exposed) ctx.warn?.([...path, "file"], read.exposed);
    return { kind: "value", secret: read.secret, file: read.file };
  }
  return { kind: "store", store: ref.store, name: ref.name, configPath: formatPath(path) };
}
