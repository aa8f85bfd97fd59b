#!/usr/bin/env node
// @ts-check
/**
 * A partnerd-store-exec helper that keeps secrets in one JSON file, mode 0600.
 *
 *   command: [node, ./node_modules/partnerd-store-exec/helpers/json-file.js, ./secrets.json]
 *
 * Usage: json-file.js <file> get|store   (request on stdin, answer on stdout; see the README)
 *
 * An example and the backend of this package's tests: it shows the protocol end to end, with the care a
 * real helper needs (exit non-zero on any failure, private file, atomic replace, a lock against a
 * second partnerd process). For a real vault, use pass.sh, op.sh or bw.sh, or write your own.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { resolve } from "node:path";

class HelperError extends Error {}

const [fileArgument, operation] = process.argv.slice(2);
try {
  main();
} catch (error) {
  // Never print an unexpected error's message: JSON.parse quotes the file's content, secrets included.
  const reason =
    error instanceof HelperError
      ? error.message
      : `${/** @type {NodeJS.ErrnoException} */ (error).code ?? (error instanceof Error ? error.name : "error")}`;
  process.stderr.write(`json-file.js: ${reason}\n`);
  process.exitCode = 1;
}

function main() {
  if (!fileArgument || (operation !== "get" && operation !== "store")) {
    fail("usage: json-file.js <file> get|store");
  }
  const file = resolve(fileArgument);
  const request = parseRequest(readFileSync(0, "utf8"));
  const name = request.get("name");
  if (!name) fail("the request has no name=");

  withLock(`${file}.lock`, () => {
    const secrets = readSecrets(file);
    if (operation === "get") {
      const entry = secrets.get(name);
      // Not found: print nothing and exit 0. Every other outcome prints value= or exits non-zero.
      if (entry)
        answer({ value: entry.value, version: String(entry.version), "updated-at": entry.updatedAt });
      return;
    }
    const value = request.get("value");
    if (value === undefined) fail("store: the request has no value=");
    /** @type {Record<string, string>} */
    const metadata = {};
    for (const [key, field] of request) if (key !== "name" && key !== "value") metadata[key] = field;
    const version = (secrets.get(name)?.version ?? 0) + 1;
    secrets.set(name, { value, version, updatedAt: new Date().toISOString(), metadata });
    writeSecrets(file, secrets);
    answer({ version: String(version) });
  });
}

/** @typedef {{ value: string, version: number, updatedAt: string, metadata: Record<string, string> }} Entry */

/** @param {string} text */
function parseRequest(text) {
  /** @type {Map<string, string>} */
  const fields = new Map();
  for (const line of text.split("\n")) {
    if (line === "") break; // a blank line ends the request
    const equals = line.indexOf("=");
    if (equals < 1) fail("the request has a line that is not key=value");
    fields.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return fields;
}

/** @param {Record<string, string>} fields */
function answer(fields) {
  process.stdout.write(
    Object.entries(fields)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(""),
  );
}

/** @param {string} file @returns {Map<string, Entry>} */
function readSecrets(file) {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return new Map();
    throw error;
  }
  if (process.platform !== "win32" && (stats.mode & 0o077) !== 0) {
    fail(`${file} is readable by other users (mode ${(stats.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  const data = JSON.parse(readFileSync(file, "utf8"));
  if (typeof data !== "object" || data === null || typeof data.secrets !== "object") {
    fail(`${file} is not a json-file helper store`);
  }
  return new Map(Object.entries(data.secrets));
}

/** @param {string} file @param {Map<string, Entry>} secrets */
function writeSecrets(file, secrets) {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(
      fd,
      `${JSON.stringify({ format: "partnerd-store-exec/json-file@1", secrets: Object.fromEntries(secrets) }, null, 2)}\n`,
    );
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** Runs `task` holding `<file>.lock`; a lock older than 30 s is a crashed helper's and is taken over. */
function withLock(/** @type {string} */ lockFile, /** @type {() => void} */ task) {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      closeSync(openSync(lockFile, "wx", 0o600));
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EEXIST") throw error;
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > 30_000) unlinkSync(lockFile);
      } catch {
        // Released meanwhile.
      }
      if (Date.now() > deadline) fail(`${lockFile} is held by another process`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    task();
  } finally {
    unlinkSync(lockFile);
  }
}

/** @param {string} message @returns {never} */
function fail(message) {
  throw new HelperError(message);
}
