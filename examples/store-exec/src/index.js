// @ts-check
/**
 * partnerd-store-exec: a partnerd secret store that hands every `get`/`put` to an external program,
 * the way git hands credentials to a credential helper. The program speaks a line protocol on
 * stdin/stdout (see README.md, "Protocol"); partnerd never runs a shell, and never puts a secret in
 * argv or the environment.
 *
 * Plain ESM JavaScript with no runtime dependencies, so that it works when installed under
 * `node_modules` (Node does not strip TypeScript types there). Types: `index.d.ts` next to this file.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { basename, resolve } from "node:path";

/** @import { SecretMetadata, SecretStore, StoreCapabilities, StoreContext, StoredSecret, StorePlugin } from "@partnerd/core" */
/** @import { ExecStore, ExecStoreContext, ExecStoreOptions } from "./index.d.ts" */

export const STORE_NAME = "exec";

/** The store contract version this package implements (`STORE_API_VERSION` of @partnerd/core). */
export const API_VERSION = 1;

/** Version of the stdin/stdout protocol; helpers see it as `PARTNERD_EXEC_PROTOCOL`. */
export const PROTOCOL_VERSION = 1;

export const DEFAULT_TIMEOUT_MS = 10_000;

/** @type {StoreCapabilities} */
const CAPABILITIES = Object.freeze({ versions: false, tags: true, softDelete: false });
const OPTION_KEYS = ["command", "timeoutMs", "env", "passEnv"];

/**
 * What a helper gets from partnerd's own environment without asking: enough to find programs, a home
 * folder, a locale and systemd's credentials folder. Everything else (a client secret partnerd reads
 * from `{ env: NAME }`, cloud keys) stays behind unless named in `passEnv`.
 */
export const BASE_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "CREDENTIALS_DIRECTORY",
  "XDG_RUNTIME_DIR",
];
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 600_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A refresh token is a few KiB; a helper printing more than this is not answering the protocol. */
const MAX_STDOUT_BYTES = 1024 * 1024;
const MAX_STDERR_BYTES = 16 * 1024;
/** After SIGTERM on timeout, how long the helper's process group has before SIGKILL. */
const KILL_GRACE_MS = 1000;
const INTERPRETERS = new Set([
  "node",
  "bun",
  "deno",
  "sh",
  "bash",
  "zsh",
  "python",
  "python3",
  "perl",
  "ruby",
]);
const IS_WINDOWS = process.platform === "win32";

/**
 * A store could not answer. Same shape as @partnerd/core's `StoreError` (`code: "STORE_FAILED"`),
 * which partnerd recognises without this package depending on @partnerd/core at runtime.
 */
export class ExecStoreError extends Error {
  /**
   * @param {string} storeId
   * @param {string | undefined} secretName
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(storeId, secretName, message, options) {
    super(`store "${storeId}"${secretName ? ` secret "${secretName}"` : ""}: ${message}`, options);
    this.name = "ExecStoreError";
    this.code = "STORE_FAILED";
    this.exitCode = 1;
    this.storeId = storeId;
    this.secretName = secretName;
  }
}

/**
 * `options:` are wrong. Same shape as @partnerd/core's `StoreOptionsError` (`code: "STORE_OPTIONS"`,
 * `key`), so partnerd reports it at `stores.<id>.options.<key>` in the config file.
 */
export class ExecStoreOptionsError extends Error {
  /**
   * @param {string} storeId
   * @param {string} key
   * @param {string} problem
   */
  constructor(storeId, key, problem) {
    super(`store "${storeId}" option "${key}": ${problem}`);
    this.name = "ExecStoreOptionsError";
    this.code = "STORE_OPTIONS";
    this.exitCode = 2;
    this.key = key;
  }
}

/**
 * Builds an exec store. `options` are validated as if they came from the config (an
 * `ExecStoreOptionsError` naming the key; values are never echoed).
 *
 * @param {Record<string, unknown>} options
 * @param {ExecStoreContext} [context]
 * @returns {ExecStore}
 */
export function createExecStore(options, context = {}) {
  const storeId = context.storeId ?? STORE_NAME;
  const configDir = context.configDir ?? process.cwd();
  const logger = context.logger;
  const parsed = parseOptions(options, storeId);
  const [program, ...args] = parsed.command;
  const executable =
    program.includes("/") || (IS_WINDOWS && program.includes("\\")) ? resolve(configDir, program) : program;
  const label = programLabel(parsed.command);
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...inheritedEnv(parsed.passEnv, context.secretEnvironmentNames, logger, storeId),
    ...parsed.env,
    PARTNERD_EXEC_PROTOCOL: String(PROTOCOL_VERSION),
  };

  // One helper at a time: `pass` commits to git, vault CLIs keep session files; neither likes company.
  /** @type {Promise<unknown>} */
  let queue = Promise.resolve();
  let closed = false;

  /**
   * @template T
   * @param {string} name
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  const serialize = (name, task) => {
    if (closed) return Promise.reject(new ExecStoreError(storeId, name, "the store is closed"));
    const run = queue.then(task);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  /**
   * Runs `command… <operation>` with `request` on stdin; resolves with the parsed `key=value` answer.
   *
   * @param {"get" | "store"} operation
   * @param {string} name
   * @param {string} request
   * @param {string[]} secrets values that must not appear in an error message
   * @returns {Promise<Map<string, string>>}
   */
  const run = (operation, name, request, secrets) =>
    new Promise((resolvePromise, rejectPromise) => {
      const started = Date.now();
      const what = `"${label}" ${operation}`;
      /** @param {string} problem @param {unknown} [cause] */
      const fail = (problem, cause) => new ExecStoreError(storeId, name, `${what} ${problem}`, { cause });

      /** @type {import("node:child_process").ChildProcessWithoutNullStreams} */
      let child;
      try {
        child = spawn(executable, [...args, operation], {
          cwd: configDir,
          env,
          stdio: ["pipe", "pipe", "pipe"],
          // Its own process group, so that a timeout kills the helper and everything it started.
          detached: !IS_WINDOWS,
          windowsHide: true,
        });
      } catch (error) {
        rejectPromise(fail(spawnProblem(error, executable), error));
        return;
      }

      /** @type {Buffer[]} */
      const stdout = [];
      let stdoutBytes = 0;
      let stderr = Buffer.alloc(0);
      let settled = false;
      /** @type {string | undefined} */
      let overflow;
      let timedOut = false;
      /** @type {NodeJS.Timeout | undefined} */
      let killTimer;

      /** @param {NodeJS.Signals} signal */
      const killGroup = (signal) => {
        try {
          if (!IS_WINDOWS && child.pid !== undefined) process.kill(-child.pid, signal);
          else child.kill(signal);
        } catch {
          // Already gone.
        }
      };
      /** @param {() => void} action */
      const settle = (action) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(killTimer);
        action();
      };

      const timer = setTimeout(() => {
        timedOut = true;
        killGroup("SIGTERM");
        killTimer = setTimeout(() => {
          killGroup("SIGKILL");
          // A process stuck in the kernel may never close its pipes; do not wait for it forever.
          killTimer = setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
            settle(() => rejectPromise(fail(`timed out after ${parsed.timeoutMs} ms (killed)`)));
          }, KILL_GRACE_MS);
        }, KILL_GRACE_MS);
      }, parsed.timeoutMs);

      child.stdout.on("data", (/** @type {Buffer} */ chunk) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_STDOUT_BYTES) {
          overflow ??= `printed more than ${MAX_STDOUT_BYTES} bytes on stdout`;
          killGroup("SIGKILL");
          return;
        }
        stdout.push(chunk);
      });
      child.stderr.on("data", (/** @type {Buffer} */ chunk) => {
        stderr = Buffer.concat([stderr, chunk]);
        if (stderr.length > MAX_STDERR_BYTES) stderr = stderr.subarray(stderr.length - MAX_STDERR_BYTES);
      });
      // A helper may exit without reading its input (e.g. after a usage error); its exit code tells.
      child.stdin.on("error", () => undefined);

      child.on("error", (error) => {
        settle(() => rejectPromise(fail(spawnProblem(error, executable), error)));
      });

      child.on("close", (code, signal) => {
        settle(() => {
          const text = Buffer.concat(stdout).toString("utf8");
          const answered = safeParse(text);
          // A helper that printed `value=` before failing: keep that value out of the message too.
          const hidden = answered?.get("value") ? [...secrets, answered.get("value") ?? ""] : secrets;
          const last = lastLine(stderr.toString("utf8"), hidden);
          const detail = last ? `: ${last}` : "";
          logger?.debug("exec store: helper finished", {
            store: storeId,
            operation,
            program: label,
            exitCode: code,
            signal,
            ms: Date.now() - started,
          });
          if (timedOut)
            return rejectPromise(fail(`timed out after ${parsed.timeoutMs} ms (killed)${detail}`));
          if (overflow !== undefined) return rejectPromise(fail(overflow));
          if (signal) return rejectPromise(fail(`was killed by ${signal}${detail}`));
          if (code !== 0) return rejectPromise(fail(`exited with code ${code}${detail}`));
          try {
            resolvePromise(parseAnswer(text));
          } catch (problem) {
            rejectPromise(fail(String(problem instanceof Error ? problem.message : problem)));
          }
        });
      });

      child.stdin.end(request);
    });

  return {
    command: [executable, ...args],
    capabilities: CAPABILITIES,

    async get(name) {
      checkName(storeId, name);
      return serialize(name, async () => {
        const answer = await run("get", name, encodeRequest([["name", name]]), []);
        const value = answer.get("value");
        if (value === undefined) return null;
        /** @type {StoredSecret} */
        const stored = { value, version: answer.get("version") || fingerprint(value) };
        const updatedAt = answer.get("updated-at");
        if (updatedAt) {
          const date = new Date(updatedAt);
          if (Number.isNaN(date.getTime())) {
            throw new ExecStoreError(
              storeId,
              name,
              `"${label}" get printed an updated-at that is not a date`,
            );
          }
          stored.updatedAt = date;
        }
        return stored;
      });
    },

    async put(name, value, metadata) {
      checkName(storeId, name);
      if (typeof value !== "string")
        throw new ExecStoreError(storeId, name, "put expects the value as a string");
      if (/[\r\n\0]/.test(value)) {
        throw new ExecStoreError(
          storeId,
          name,
          "the value contains a line break or NUL, which the exec protocol cannot carry",
        );
      }
      /** @type {[string, string][]} */
      const fields = [
        ["name", name],
        ["value", value],
      ];
      for (const [key, field] of metadataFields(metadata)) {
        if (/[\r\n\0]/.test(field)) {
          throw new ExecStoreError(storeId, name, `metadata ${key} contains a line break or NUL`);
        }
        fields.push([key, field]);
      }
      return serialize(name, async () => {
        const answer = await run("store", name, encodeRequest(fields), [value]);
        return { version: answer.get("version") || fingerprint(value) };
      });
    },

    async close() {
      closed = true;
      // Let helpers already running finish: abandoning a `store` could lose a rotated token.
      await queue;
    },
  };
}

/** @type {StorePlugin} */
const plugin = {
  apiVersion: API_VERSION,
  name: STORE_NAME,
  create(options, context) {
    return createExecStore(options, context);
  },
};

export default plugin;

// --- Internal helpers ---

/**
 * @param {Record<string, unknown>} options
 * @param {string} storeId
 * @returns {{ command: [string, ...string[]], timeoutMs: number, env: Record<string, string>, passEnv: string[] }}
 */
function parseOptions(options, storeId) {
  /** @param {string} key @param {string} problem */
  const error = (key, problem) => new ExecStoreOptionsError(storeId, key, problem);
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw error("", "options must be a mapping with at least `command`");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw error(key, `unknown option; the exec store accepts: ${OPTION_KEYS.join(", ")}`);
    }
  }

  const command = options.command;
  if (command === undefined) {
    throw error("command", "is required: the helper program and its arguments, e.g. [./helpers/pass.sh]");
  }
  if (typeof command === "string") {
    throw error(
      "command",
      "must be a list (argv), not a shell string: write [program, arg, …]; partnerd never runs a shell",
    );
  }
  if (!Array.isArray(command) || command.length === 0) {
    throw error("command", "must be a non-empty list of strings: [program, arg, …]");
  }
  for (const [index, part] of command.entries()) {
    if (typeof part !== "string") throw error(`command.${index}`, "must be a string");
    if (part.includes("\0")) throw error(`command.${index}`, "must not contain NUL");
  }
  if (command[0] === "") throw error("command.0", "must name a program");

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (
    typeof timeoutMs !== "number" ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < MIN_TIMEOUT_MS ||
    timeoutMs > MAX_TIMEOUT_MS
  ) {
    throw error(
      "timeoutMs",
      `must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`,
    );
  }

  /** @type {Record<string, string>} */
  const env = {};
  if (options.env !== undefined) {
    if (typeof options.env !== "object" || options.env === null || Array.isArray(options.env)) {
      throw error("env", "must be a mapping of variable names to strings");
    }
    for (const [name, value] of Object.entries(options.env)) {
      if (!ENV_NAME.test(name)) throw error(`env.${name}`, "is not a valid environment variable name");
      if (typeof value !== "string") {
        throw error(
          `env.${name}`,
          "must be a string (quote numbers and booleans; secrets do not belong here, see the README)",
        );
      }
      if (value.includes("\0")) throw error(`env.${name}`, "must not contain NUL");
      env[name] = value;
    }
  }
  /** @type {string[]} */
  const passEnv = [];
  if (options.passEnv !== undefined) {
    if (!Array.isArray(options.passEnv)) throw error("passEnv", "must be a list of variable names");
    for (const [i, name] of options.passEnv.entries()) {
      if (typeof name !== "string" || !ENV_NAME.test(name)) {
        throw error(`passEnv.${i}`, "is not a valid environment variable name");
      }
      passEnv.push(name);
    }
  }
  return { command: /** @type {[string, ...string[]]} */ (command), timeoutMs, env, passEnv };
}

/**
 * The allow-listed part of partnerd's environment, plus `passEnv`; never a variable partnerd read a
 * secret from, even when named.
 *
 * @param {string[]} passEnv
 * @param {ReadonlySet<string> | undefined} secretNames
 * @param {import("@partnerd/core").Logger | undefined} logger
 * @param {string} storeId
 * @returns {Record<string, string>}
 */
function inheritedEnv(passEnv, secretNames, logger, storeId) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const name of [...BASE_ENV, ...passEnv]) {
    const value = process.env[name];
    if (value === undefined) continue;
    if (secretNames?.has(name)) {
      logger?.warn("exec store: not passing a variable partnerd reads a secret from", {
        store: storeId,
        variable: name,
      });
      continue;
    }
    env[name] = value;
  }
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("LC_") && value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * @param {string} storeId
 * @param {unknown} name
 * @returns {asserts name is string}
 */
function checkName(storeId, name) {
  if (typeof name !== "string" || name === "" || /[\r\n\0]/.test(name)) {
    throw new ExecStoreError(
      storeId,
      undefined,
      `invalid secret name ${typeof name === "string" ? JSON.stringify(name) : typeof name}: ` +
        "it must be a non-empty string without line breaks",
    );
  }
}

/**
 * @param {SecretMetadata | undefined} metadata
 * @returns {[string, string][]}
 */
function metadataFields(metadata) {
  if (typeof metadata !== "object" || metadata === null) return [];
  /** @type {[string, string][]} */
  const fields = [];
  if (typeof metadata.profile === "string") fields.push(["profile", metadata.profile]);
  if (typeof metadata.fingerprint === "string") fields.push(["fingerprint", metadata.fingerprint]);
  const refreshedAt = iso(metadata.refreshedAt);
  if (refreshedAt) fields.push(["refreshed-at", refreshedAt]);
  const expiresAt = iso(metadata.expiresByInactivityAt);
  if (expiresAt) fields.push(["expires-by-inactivity-at", expiresAt]);
  if (metadata.takeover === true) fields.push(["takeover", "true"]);
  return fields;
}

/** @param {unknown} date */
function iso(date) {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** @param {[string, string][]} fields */
function encodeRequest(fields) {
  return `${fields.map(([key, value]) => `${key}=${value}\n`).join("")}\n`;
}

/**
 * The helper's answer: `key=value` lines; blank lines are skipped. Anything else is an error rather
 * than "not found": a helper that prints the bare secret must not make partnerd believe it is missing.
 *
 * @param {string} text
 * @returns {Map<string, string>}
 */
function parseAnswer(text) {
  /** @type {Map<string, string>} */
  const fields = new Map();
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") continue;
    const equals = line.indexOf("=");
    const key = equals > 0 ? line.slice(0, equals) : "";
    if (!/^[a-z][a-z0-9-]*$/.test(key)) {
      // Never quote the line: it may be the secret itself.
      throw new Error(`printed line ${index + 1} on stdout, which is not a key=value line of the protocol`);
    }
    if (key === "value" && fields.has("value")) throw new Error("printed value= more than once");
    fields.set(key, line.slice(equals + 1));
  }
  return fields;
}

/** @param {string} text */
function safeParse(text) {
  try {
    return parseAnswer(text);
  } catch {
    return undefined;
  }
}

/**
 * The helper's last non-empty stderr line, with every secret it might echo replaced: the values in
 * `secrets`, anything after `value=`, and any long token-shaped run of characters.
 *
 * @param {string} stderr
 * @param {string[]} secrets
 */
function lastLine(stderr, secrets) {
  const lines = stderr.split(/\r?\n/).filter((line) => line.trim() !== "");
  let line = lines.at(-1)?.trim();
  if (!line) return undefined;
  for (const secret of secrets) if (secret !== "") line = line.replaceAll(secret, "[redacted]");
  line = line.replace(/value=\S*/g, "value=[redacted]").replace(/[A-Za-z0-9._~+/=-]{100,}/g, "[redacted]");
  // Control characters would let a helper forge log lines.
  line = line.replace(/\p{Cc}/gu, " ");
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * @param {unknown} error
 * @param {string} executable
 */
function spawnProblem(error, executable) {
  const code = /** @type {{ code?: unknown } | null} */ (error)?.code;
  if (code === "ENOENT") {
    return `could not start: ${executable} not found (ENOENT; a bare name is looked up in PATH, a path with / resolves from the config file's folder)`;
  }
  if (code === "EACCES") return `could not start: ${executable} is not executable (EACCES; chmod +x it)`;
  return `could not start: ${typeof code === "string" ? code : error instanceof Error ? error.message : String(error)}`;
}

/**
 * `json-file.js` for `[node, ./helpers/json-file.js, …]`, else the program's base name.
 *
 * @param {readonly string[]} command
 */
function programLabel(command) {
  const program = basename(command[0] ?? "");
  const script = command[1];
  const bareProgram = program.replace(/\.exe$/i, "");
  if (INTERPRETERS.has(bareProgram) && script !== undefined && !script.startsWith("-")) {
    return `${bareProgram} ${basename(script)}`;
  }
  return program;
}

/**
 * partnerd's fingerprint of a value (first 12 hex digits of its SHA-256), equal to
 * `metadata.fingerprint`: the version of a value when the helper reports none.
 *
 * @param {string} value
 */
export function fingerprint(value) {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 12);
}
