import { closeSync, constants, fstatSync, openSync, readFileSync, rmSync, type Stats } from "node:fs";
import { link, open, rename } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import {
  defineStore,
  ensurePrivateDir,
  KeyedQueue,
  type Logger,
  removeStaleTempFiles,
  type SecretMetadata,
  type SecretStore,
  STORE_API_VERSION,
  type StoreCapabilities,
  type StoreContext,
  type StoredSecret,
  StoreError,
  StoreOptionsError,
  silentLogger,
  tempPathFor,
  writeFileAtomic,
} from "@partnerd/core/plugin";
import {
  ENVELOPE_FORMAT,
  envelopeCheck,
  type FileEnvelope,
  generationOf,
  parseEnvelope,
} from "./envelope.ts";
import { fileOptionsSchema } from "./options-schema.ts";
import { recoverInterruptedWrites, SETTLED_AFTER_MS } from "./recover.ts";
import { replaceReusingPrevious } from "./replace.ts";

export { ENVELOPE_FORMAT, envelopeCheck, type FileEnvelope } from "./envelope.ts";

export const STORE_NAME = "file";

export const PREVIOUS_SUFFIX = ".previous";

/** Suffix of a damaged file set aside by a `put`, so that it never replaces the good `.previous`. */
export const CORRUPT_SUFFIX = ".corrupt";

export interface FileStoreOptions {
  /**
   * Folder holding one file per secret. A relative path resolves from the config file's folder.
   * Created with mode 0700 when missing; refused when group/other can access it or another user owns it.
   */
  dir: string;
}

/** What `createFileStore` needs from the engine's `StoreContext`; everything has a default. */
export interface FileStoreContext {
  /**
   * Store id used in messages.
   * @default "file"
   */
  storeId?: string;
  /**
   * Folder a relative `dir` resolves from.
   * @default process.cwd()
   */
  configDir?: string;
  /** @default silentLogger */
  logger?: Logger;
}

export interface FileStore extends SecretStore {
  /** Absolute path of the secrets folder. */
  readonly dir: string;
  /**
   * Completes a write of `name` a crash cut short, for a caller that knows its writer is dead (the
   * engine, under the profile's lock). Opening the store does it for every name, for temp files
   * older than a minute only: a younger one may be another process's write in progress.
   */
  recover(name: string): Promise<void>;
  /** Waits for writes under way; nothing else to release. Idempotent. */
  close(): Promise<void>;
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  versions: true,
  tags: true,
  softDelete: false,
  durableWrites: true,
});
const OPTION_KEYS: readonly string[] = ["dir"];
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Leaves room under the usual 255-byte file name limit for `.previous` and the temp-file decoration. */
const MAX_NAME_LENGTH = 200;
/** Refresh tokens are a few KiB; anything this big is not one. */
const MAX_FILE_BYTES = 1024 * 1024;
/** POSIX permission bits mean nothing on Windows; the folder's ACL is the user's business there. */
const CHECK_PERMISSIONS = process.platform !== "win32";

/**
 * Builds a file store. `options` are validated as if they came from the config (`StoreOptionsError`
 * naming the key); the folder is created 0700 when missing and checked for privacy when it exists.
 */
export async function createFileStore(
  options: FileStoreOptions,
  context: FileStoreContext = {},
): Promise<FileStore> {
  const storeId = context.storeId ?? STORE_NAME;
  const logger = context.logger ?? silentLogger;
  const { dir: dirOption } = _parseOptions({ ...options }, storeId);
  const dir = resolve(context.configDir ?? process.cwd(), dirOption);
  await _preparePrivateDir(storeId, dir);
  /** Completes the interrupted writes of the names `which` accepts (see recover.ts). */
  const recover = async (which: (name: string) => boolean, settledMs: number) => {
    const read = async (path: string) => {
      const file = await _readCurrent(storeId, basename(path), path);
      return file && { text: file.bytes.toString("utf8"), mtimeMs: file.mtimeMs, private: file.private };
    };
    const recovered = await recoverInterruptedWrites(dir, which, read, settledMs);
    for (const name of recovered) {
      logger.warn("file store: completed a write that a crash interrupted", { store: storeId, secret: name });
    }
  };
  await recover(_isSecretName, SETTLED_AFTER_MS);
  // Only after recovery: what is left is older than the secrets it was meant to replace.
  const swept = await removeStaleTempFiles(dir);
  if (swept > 0)
    logger.warn("file store: removed temp files left by an interrupted write", {
      store: storeId,
      count: swept,
    });

  /** Writes to one name run one at a time; different names run in parallel. */
  const queue = new KeyedQueue();
  const serialize = <T>(name: string, task: () => Promise<T>): Promise<T> => queue.run(name, task);

  return {
    dir,
    capabilities: CAPABILITIES,

    async get(name) {
      _checkName(storeId, name);
      const path = join(dir, name);
      const file = await _readPrivateFile(storeId, name, path);
      if (file === null) return null;
      return _parseFile(storeId, name, path, file.text, file.mtime);
    },

    async put(name, value, metadata) {
      _checkName(storeId, name);
      if (typeof value !== "string") throw new StoreError(storeId, name, "put expects the value as a string");
      const path = join(dir, name);
      return serialize(name, async () => {
        const current = await _readCurrent(storeId, name, path);
        let generation = 0;
        let keepCurrent = false;
        if (current !== null) {
          const text = current.bytes.toString("utf8");
          const currentGeneration = generationOf(text);
          if (currentGeneration === undefined && text.trimStart().startsWith("{")) {
            // A damaged envelope: set it aside, keep `.previous` (the last good token) as it is.
            logger.warn("file store: setting aside a damaged file before writing", {
              store: storeId,
              secret: name,
              keptAs: `${name}${CORRUPT_SUFFIX}`,
            });
            await _write(storeId, name, path + CORRUPT_SUFFIX, current.bytes);
            const previous = await _readCurrent(storeId, name, path + PREVIOUS_SUFFIX);
            generation = (previous && generationOf(previous.bytes.toString("utf8"))) ?? 0;
          } else {
            // A partnerd envelope, or a token a person wrote by hand: both stay retrievable.
            generation = currentGeneration ?? 0;
            keepCurrent = true;
          }
        }
        const version = String(generation + 1);
        const envelope: FileEnvelope = {
          partnerd: ENVELOPE_FORMAT,
          version,
          updatedAt: new Date().toISOString(),
          metadata: _metadataJson(metadata),
          check: envelopeCheck(version, value),
          value,
        };
        const text = `${JSON.stringify(envelope)}\n`;
        if (
          keepCurrent &&
          current?.private &&
          (await _replaceReusingPrevious(storeId, name, path, text, version))
        ) {
          return { version };
        }
        if (keepCurrent && current) await _keepAsPrevious(storeId, name, path, current);
        await _write(storeId, name, path, text);
        return { version };
      });
    },

    async recover(name) {
      _checkName(storeId, name);
      await serialize(name, () => recover((candidate) => candidate === name, 0));
    },

    async close() {
      // Nothing to release; let writes already under way finish so that closing never abandons one.
      await queue.idle();
    },
  };
}

export default defineStore({
  apiVersion: STORE_API_VERSION,
  name: STORE_NAME,
  optionsSchema: fileOptionsSchema,
  create(options: Record<string, unknown>, context: StoreContext) {
    const parsed = _parseOptions(options, context.storeId);
    return createFileStore(parsed, context);
  },
  checkOptions(options: Record<string, unknown>, context: StoreContext) {
    _parseOptions(options, context.storeId);
  },
});

// --- Internal helpers ---

function _parseOptions(options: Record<string, unknown>, storeId: string): FileStoreOptions {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw _optionsError(storeId, key, `unknown option; the file store accepts: ${OPTION_KEYS.join(", ")}`);
    }
  }
  const dir = options.dir;
  if (dir === undefined)
    throw _optionsError(storeId, "dir", "is required (the folder holding the secret files)");
  if (typeof dir !== "string" || dir.trim() === "") {
    throw _optionsError(storeId, "dir", "must be a non-empty string (a folder path)");
  }
  return { dir };
}

/** Never echoes the option's value: a misplaced token must not end up in a log. */
function _optionsError(storeId: string, key: string, problem: string): StoreOptionsError {
  return new StoreOptionsError(key, `store "${storeId}" option "${key}": ${problem}`);
}

async function _preparePrivateDir(storeId: string, dir: string): Promise<void> {
  try {
    await ensurePrivateDir(dir);
  } catch (error) {
    throw _optionsError(storeId, "dir", `cannot create folder ${dir} (${_code(error)})`);
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    throw _optionsError(storeId, "dir", `cannot open folder ${dir} (${_code(error)})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isDirectory()) throw _optionsError(storeId, "dir", `${dir} is not a folder`);
    const owner = _ownerProblem(stats.uid);
    if (owner) throw _optionsError(storeId, "dir", `folder ${dir} is ${owner}; use a folder of your own`);
    if (CHECK_PERMISSIONS && (stats.mode & 0o077) !== 0) {
      throw _optionsError(
        storeId,
        "dir",
        `folder ${dir} has mode ${_octal(stats.mode)}, so other users can reach the secrets; fix with: chmod 700 ${dir}`,
      );
    }
  } finally {
    await handle.close();
  }
}

function _isSecretName(name: unknown): name is string {
  return (
    typeof name === "string" &&
    name.length <= MAX_NAME_LENGTH &&
    NAME_PATTERN.test(name) &&
    !name.includes("..") &&
    !name.endsWith(PREVIOUS_SUFFIX) &&
    !name.endsWith(CORRUPT_SUFFIX)
  );
}

function _checkName(storeId: string, name: string): void {
  if (!_isSecretName(name)) {
    const shown = typeof name === "string" ? JSON.stringify(name) : typeof name;
    throw new StoreError(
      storeId,
      undefined,
      `invalid secret name ${shown}: use letters, digits, '.', '_' or '-', starting with a letter or digit, ` +
        `without '..', not ending in '${PREVIOUS_SUFFIX}' or '${CORRUPT_SUFFIX}', at most ${MAX_NAME_LENGTH} characters`,
    );
  }
}

/**
 * Reads a secret file for `get`, refusing one that others can reach; `null` only when it does not exist.
 * Secret files are small and local: synchronous calls take microseconds, where each fs/promises call
 * costs a thread-pool round trip (~40 µs); the fsyncs of a `put` stay asynchronous (`writeFileAtomic`).
 */
async function _readPrivateFile(
  storeId: string,
  name: string,
  path: string,
): Promise<{ text: string; mtime: Date } | null> {
  let fd: number;
  try {
    fd = _openNoFollow(storeId, name, path);
  } catch (error) {
    if (_code(error) === "ENOENT") return null;
    if (error instanceof StoreError) throw error;
    throw new StoreError(storeId, name, `cannot open ${path} (${_code(error)})`, { cause: error });
  }
  try {
    // fstat the open file, so the checked file is the file read.
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new StoreError(storeId, name, `${path} is not a regular file`);
    const owner = _ownerProblem(stats.uid);
    if (owner) {
      throw new StoreError(
        storeId,
        name,
        `refuses to read ${path}: it is ${owner}; recreate it as that user (install -m 600 /dev/stdin ${path})`,
      );
    }
    if (CHECK_PERMISSIONS && (stats.mode & 0o077) !== 0) {
      throw new StoreError(
        storeId,
        name,
        `refuses to read ${path}: mode ${_octal(stats.mode)} lets other users read or change it; ` +
          `fix with: chmod 600 ${path} (and treat the token as exposed)`,
      );
    }
    if (stats.size > MAX_FILE_BYTES) {
      throw new StoreError(storeId, name, `${path} is ${stats.size} bytes, too large to hold a token`);
    }
    let text: string;
    try {
      text = readFileSync(fd, "utf8");
    } catch (error) {
      throw new StoreError(storeId, name, `cannot read ${path} (${_code(error)})`, { cause: error });
    }
    return { text, mtime: stats.mtime };
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `path` for reading without following a symbolic link: a link planted in the secrets folder
 * would otherwise send whatever it points to (a client secret, a key) to the identity provider.
 */
function _openNoFollow(storeId: string, name: string, path: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (_code(error) !== "ELOOP") throw error;
    throw new StoreError(
      storeId,
      name,
      `refuses to read ${path}: it is a symbolic link; put the token itself in the file (partnerd writes it there)`,
    );
  }
}

interface CurrentFile {
  bytes: Buffer;
  mtimeMs: number;
  /** Mode 0600 (or stricter) and owned by this user: safe to keep as `.previous` by a hard link. */
  private: boolean;
}

/** The file a `put` is about to replace; `put` does not refuse a loose file, it replaces it with a 0600 one. */
async function _readCurrent(storeId: string, name: string, path: string): Promise<CurrentFile | null> {
  let fd: number;
  try {
    fd = _openNoFollow(storeId, name, path);
  } catch (error) {
    if (_code(error) === "ENOENT") return null;
    if (error instanceof StoreError) throw error;
    throw new StoreError(storeId, name, `cannot read ${path} before replacing it (${_code(error)})`, {
      cause: error,
    });
  }
  try {
    const stats = fstatSync(fd);
    const bytes = readFileSync(fd);
    const owned = _ownerProblem(stats.uid) === undefined;
    const isPrivate = stats.isFile() && owned && (!CHECK_PERMISSIONS || (stats.mode & 0o077) === 0);
    return { bytes, mtimeMs: stats.mtimeMs, private: isPrivate };
  } catch (error) {
    throw new StoreError(storeId, name, `cannot read ${path} before replacing it (${_code(error)})`, {
      cause: error,
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the value a `put` replaces as `<name>.previous`. A private file is hard-linked and renamed into
 * place: no copy and no fsync, since its content is already durable and the `put`'s own folder fsync,
 * right after, makes this rename durable too (same folder). A loose file (a person's, 0644) is copied
 * to a 0600 file instead, so that `.previous` never inherits its mode.
 */
async function _keepAsPrevious(storeId: string, name: string, path: string, current: CurrentFile) {
  const previous = path + PREVIOUS_SUFFIX;
  if (!current.private) return _write(storeId, name, previous, current.bytes);
  const temp = tempPathFor(previous);
  try {
    // Changes the folder: asynchronous, since a concurrent fsync of the folder may hold its lock.
    await link(path, temp);
    await rename(temp, previous);
  } catch (error) {
    rmSync(temp, { force: true });
    if (["EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "EMLINK"].includes(_code(error))) {
      return _write(storeId, name, previous, current.bytes); // no hard links here: copy
    }
    throw new StoreError(storeId, name, `cannot keep ${previous} (${_code(error)})`, { cause: error });
  }
}

/** The usual write, reusing `.previous`'s file (see replace.ts); `false` when that file cannot be reused. */
async function _replaceReusingPrevious(
  storeId: string,
  name: string,
  path: string,
  text: string,
  generation: string,
) {
  try {
    return await replaceReusingPrevious(path, path + PREVIOUS_SUFFIX, { text, generation }, _isReusable);
  } catch (error) {
    throw new StoreError(storeId, name, `cannot write ${path} (${_code(error)})`, { cause: error });
  }
}

/** A file `.previous` may be rewritten in place: a regular file of ours, 0600, with no other name. */
function _isReusable(stats: Stats): boolean {
  return (
    stats.isFile() &&
    stats.nlink === 1 &&
    _ownerProblem(stats.uid) === undefined &&
    (!CHECK_PERMISSIONS || (stats.mode & 0o077) === 0)
  );
}

async function _write(storeId: string, name: string, path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (error) {
    throw new StoreError(storeId, name, `cannot write ${path} (${_code(error)})`, { cause: error });
  }
}

/**
 * A file starting with `{` is an envelope and must be a valid one; anything else is a token a person
 * wrote by hand, returned trimmed with version "0". Errors never quote the content (nor `JSON.parse`'s
 * message, which does).
 */
function _parseFile(storeId: string, name: string, path: string, text: string, mtime: Date): StoredSecret {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return { value: trimmed, version: "0", updatedAt: mtime };
  const envelope = parseEnvelope(trimmed);
  if (typeof envelope === "string") {
    throw new StoreError(
      storeId,
      name,
      `${path} is corrupt: ${envelope}; restore it from ${name}${PREVIOUS_SUFFIX} or write the token again`,
    );
  }
  return envelope;
}

function _metadataJson(metadata: SecretMetadata | undefined): FileEnvelope["metadata"] {
  if (metadata === undefined || metadata === null) return undefined;
  return {
    profile: typeof metadata.profile === "string" ? metadata.profile : undefined,
    fingerprint: typeof metadata.fingerprint === "string" ? metadata.fingerprint : undefined,
    refreshedAt: _iso(metadata.refreshedAt),
    expiresByInactivityAt: _iso(metadata.expiresByInactivityAt),
  };
}

function _iso(date: unknown): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** Why a file or folder owned by `uid` is not ours, or `undefined` when it is (or ownership is unknowable). */
function _ownerProblem(uid: number): string | undefined {
  const self = process.getuid?.();
  if (!CHECK_PERMISSIONS || self === undefined || uid === self) return undefined;
  return `owned by uid ${uid}, not by the user partnerd runs as (uid ${self})`;
}

function _octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

function _code(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "unknown error";
}

export { fileOptionsSchema };
