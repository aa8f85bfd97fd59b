import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  loadStorePlugin,
  parseConfig,
  type SecretMetadata,
  StoreRegistry,
  silentLogger,
  standaloneStoreContext,
} from "@partnerd/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import plugin, {
  API_VERSION,
  createExecStore,
  ExecStoreError,
  ExecStoreOptionsError,
  fingerprint,
} from "../src/index.js";

const CANARY = "0.CANARY-4f1d_secret+value/with=chars.zz";
const node = process.execPath;
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const jsonHelper = join(packageDir, "helpers", "json-file.js");
const posix = process.platform !== "win32";

let dir: string;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "partnerd-exec-")));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function metadata(value = CANARY): SecretMetadata {
  return {
    profile: "pc",
    fingerprint: fingerprint(value),
    refreshedAt: new Date("2026-01-02T03:04:05.000Z"),
    expiresByInactivityAt: new Date("2026-04-02T03:04:05.000Z"),
  };
}

/** Writes a Node helper script into the temp folder and returns a store that runs it. */
async function storeWithHelper(source: string, options: Record<string, unknown> = {}) {
  await writeFile(join(dir, "helper.mjs"), source);
  return createExecStore(
    { command: [node, "./helper.mjs"], ...options },
    { storeId: "vault", configDir: dir },
  );
}

/** A helper preamble: `request` (a Map of the stdin fields) and `operation` (get/store). */
const READ_REQUEST = `
import { readFileSync, writeFileSync } from "node:fs";
const stdin = readFileSync(0, "utf8");
const request = new Map(stdin.split("\\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
const operation = process.argv.at(-1);
`;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("plugin", () => {
  it("implements store API version 1 and declares its capabilities", () => {
    expect(plugin.apiVersion).toBe(1);
    expect(API_VERSION).toBe(1);
    expect(plugin.name).toBe("exec");
    const store = createExecStore({ command: ["true"] });
    expect(store.capabilities).toEqual({ versions: false, tags: true, softDelete: false });
  });

  it("round-trips through the json-file helper into a 0600 file", async () => {
    const store = plugin.create(
      { command: [node, jsonHelper, "secrets.json"] },
      standaloneStoreContext({ configDir: dir, storeId: "vault" }),
    ) as ReturnType<typeof createExecStore>;
    expect(await store.get("pc")).toBeNull();
    expect(await store.put("pc", CANARY, metadata())).toEqual({ version: "1" });
    const stored = await store.get("pc");
    expect(stored).toMatchObject({ value: CANARY, version: "1" });
    expect(stored?.updatedAt).toBeInstanceOf(Date);
    const file = JSON.parse(await readFile(join(dir, "secrets.json"), "utf8"));
    expect(file.secrets.pc.metadata).toEqual({
      profile: "pc",
      fingerprint: fingerprint(CANARY),
      "refreshed-at": "2026-01-02T03:04:05.000Z",
      "expires-by-inactivity-at": "2026-04-02T03:04:05.000Z",
    });
    if (posix) expect((await stat(join(dir, "secrets.json"))).mode & 0o777).toBe(0o600);
    await store.close();
  });
});

describe("protocol", () => {
  it("sends the request on stdin, the operation as the last argument, and never the value in argv or env", async () => {
    const store = await storeWithHelper(
      `${READ_REQUEST}
writeFileSync("seen.json", JSON.stringify({ argv: process.argv.slice(2), stdin, env: process.env, cwd: process.cwd() }));`,
      { env: { VAULT_ADDR: "https://vault.internal" } },
    );
    const { version } = await store.put("pc", CANARY, { ...metadata(), takeover: true });
    expect(version).toBe(fingerprint(CANARY));
    const seen = JSON.parse(await readFile(join(dir, "seen.json"), "utf8"));
    expect(seen.argv).toEqual(["store"]);
    expect(seen.stdin).toBe(
      [
        "name=pc",
        `value=${CANARY}`,
        "profile=pc",
        `fingerprint=${fingerprint(CANARY)}`,
        "refreshed-at=2026-01-02T03:04:05.000Z",
        "expires-by-inactivity-at=2026-04-02T03:04:05.000Z",
        "takeover=true",
        "",
        "",
      ].join("\n"),
    );
    expect(seen.cwd).toBe(dir);
    expect(seen.env.VAULT_ADDR).toBe("https://vault.internal");
    expect(seen.env.PARTNERD_EXEC_PROTOCOL).toBe("1");
    expect(JSON.stringify(seen.env)).not.toContain(CANARY);
  });

  it("get: no value= means not found; a value without version= is versioned by its fingerprint", async () => {
    const store = await storeWithHelper(
      `${READ_REQUEST}
if (request.get("name") === "pc") process.stdout.write("\\nvalue=${CANARY}\\r\\nextra-key=ignored\\n");`,
    );
    expect(await store.get("other")).toBeNull();
    expect(await store.get("pc")).toEqual({ value: CANARY, version: fingerprint(CANARY) });
  });

  it("get: refuses an answer that is not key=value lines, without quoting it", async () => {
    const store = await storeWithHelper(`process.stdout.write("${CANARY}\\n");`);
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(ExecStoreError);
    expect(error.message).toBe(
      'store "vault" secret "pc": "node helper.mjs" get printed line 1 on stdout, which is not a key=value line of the protocol',
    );
    expect(error.message).not.toContain(CANARY);
  });

  it.skipIf(!posix)("resolves a relative program path from the config folder and runs it there", async () => {
    await mkdir(join(dir, "bin"));
    await writeFile(join(dir, "bin", "helper"), '#!/bin/sh\ncat >/dev/null\necho "value=$(pwd)"\n');
    await chmod(join(dir, "bin", "helper"), 0o755);
    const store = createExecStore({ command: ["./bin/helper"] }, { configDir: dir });
    expect(store.command).toEqual([join(dir, "bin", "helper")]);
    expect((await store.get("pc"))?.value).toBe(dir);
  });
});

describe("helpers/pass.sh", () => {
  it.skipIf(!posix)("round-trips against a stand-in for pass, keeping the token out of argv", async () => {
    const bin = join(dir, "bin");
    await mkdir(bin);
    // Stands in for `pass show <entry>` and `pass insert --multiline --force <entry>`, logging argv.
    await writeFile(
      join(bin, "pass"),
      [
        "#!/bin/sh",
        'echo "$*" >> "$PASSWORD_STORE_DIR/argv.log"',
        'case "$1" in',
        '  show) cat "$PASSWORD_STORE_DIR/$2.gpg" ;;',
        '  insert) mkdir -p "$(dirname "$PASSWORD_STORE_DIR/$4.gpg")" && cat > "$PASSWORD_STORE_DIR/$4.gpg" ;;',
        "esac",
        "",
      ].join("\n"),
    );
    await chmod(join(bin, "pass"), 0o755);
    const store = createExecStore(
      {
        command: [join(packageDir, "helpers", "pass.sh")],
        env: { PATH: `${bin}:${process.env.PATH}`, PASSWORD_STORE_DIR: join(dir, "store") },
      },
      { storeId: "pass", configDir: dir },
    );
    expect(await store.get("pc")).toBeNull();
    expect(await store.put("pc", CANARY, metadata())).toEqual({ version: fingerprint(CANARY) });
    expect(await store.get("pc")).toEqual({ value: CANARY, version: fingerprint(CANARY) });
    const entry = await readFile(join(dir, "store", "partnerd", "pc.gpg"), "utf8");
    expect(entry.split("\n").slice(0, 3)).toEqual([CANARY, "managed-by: partnerd", "profile: pc"]);
    expect(await readFile(join(dir, "store", "argv.log"), "utf8")).not.toContain(CANARY);
  });
});

describe("failures", () => {
  it("a program that does not exist", async () => {
    const store = createExecStore(
      { command: ["./no-such-helper", "--flag"] },
      { storeId: "vault", configDir: dir },
    );
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(ExecStoreError);
    expect(error.message).toBe(
      `store "vault" secret "pc": "no-such-helper" get could not start: ${join(dir, "no-such-helper")} not found ` +
        "(ENOENT; a bare name is looked up in PATH, a path with / resolves from the config file's folder)",
    );
  });

  it("a non-zero exit names the program, the operation, the code and the last stderr line", async () => {
    const store = await storeWithHelper(
      `process.stderr.write("opening vault\\nerror: vault is sealed\\n\\n"); process.exit(3);`,
    );
    const error = await rejection(store.put("pc", CANARY, metadata()));
    expect(error.message).toBe(
      'store "vault" secret "pc": "node helper.mjs" store exited with code 3: error: vault is sealed',
    );
  });

  it("a helper that echoes the value on stderr: the message says [redacted], never the token", async () => {
    const token = `1.AXEA${"x".repeat(30)}.${CANARY}`;
    const store = await storeWithHelper(
      `${READ_REQUEST}
process.stderr.write(stdin);
process.stderr.write("could not write " + request.get("value") + " (quota), value=" + request.get("value") + "\\n");
process.exit(1);`,
    );
    const error = await rejection(store.put("pc", token, metadata(token)));
    expect(error.message).toBe(
      'store "vault" secret "pc": "node helper.mjs" store exited with code 1: could not write [redacted] (quota), value=[redacted]',
    );
    expect(error.message).not.toContain(CANARY);
  });

  it("a long token-shaped string on stderr is redacted even when partnerd did not send it", async () => {
    const leaked = `0.AXEA${"Ab3-_".repeat(60)}`;
    const store = await storeWithHelper(
      `process.stderr.write("cached token ${leaked} rejected\\n"); process.exit(2);`,
    );
    const error = await rejection(store.get("pc"));
    expect(error.message).toContain("cached token [redacted] rejected");
    expect(error.message).not.toContain(leaked.slice(0, 40));
  });

  it.skipIf(!posix)("a timeout kills the helper's whole process group", async () => {
    const store = await storeWithHelper(
      `import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
const child = spawn("sleep", ["30"], { stdio: "ignore" });
writeFileSync("pids.json", JSON.stringify({ helper: process.pid, grandchild: child.pid }));
process.stderr.write("waiting for the vault\\n");
setInterval(() => {}, 1000);`,
      // Generous enough for a loaded machine to start node and the grandchild before the deadline.
      { timeoutMs: 1500 },
    );
    const error = await rejection(store.get("pc"));
    expect(error).toBeInstanceOf(ExecStoreError);
    expect(error.message).toBe(
      'store "vault" secret "pc": "node helper.mjs" get timed out after 1500 ms (killed): waiting for the vault',
    );
    const { helper, grandchild } = JSON.parse(await readFile(join(dir, "pids.json"), "utf8")) as {
      helper: number;
      grandchild: number;
    };
    let clean = false;
    try {
      // Not only the helper: its process group (it leads it) is gone, the grandchild included.
      expect(await isGone(helper)).toBe(true);
      await expect.poll(() => isGone(grandchild), { timeout: 5_000 }).toBe(true);
      await expect.poll(() => isGroupGone(helper), { timeout: 5_000 }).toBe(true);
      clean = true;
    } finally {
      // Never leave a `sleep 30` behind when an assertion above failed.
      for (const target of clean ? [] : [-helper, grandchild]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // Gone.
        }
      }
    }
  });

  it("values with a line break or NUL are refused before any helper runs", async () => {
    const store = createExecStore(
      { command: ["./would-fail-with-ENOENT"] },
      { storeId: "vault", configDir: dir },
    );
    for (const value of [`${CANARY}\nx`, `${CANARY}\r`, `a\0b`]) {
      const error = await rejection(store.put("pc", value, metadata()));
      expect(error).toBeInstanceOf(ExecStoreError);
      expect(error.message).toBe(
        'store "vault" secret "pc": the value contains a line break or NUL, which the exec protocol cannot carry',
      );
    }
    await expect(store.get("a\nb")).rejects.toThrow(/invalid secret name/);
  });

  it("close waits for a running helper, then refuses further calls", async () => {
    const store = await storeWithHelper(`setTimeout(() => process.stdout.write("version=7\\n"), 200);`);
    const put = store.put("pc", CANARY, metadata());
    await store.close();
    expect(await put).toEqual({ version: "7" });
    await expect(store.get("pc")).rejects.toThrow('store "vault" secret "pc": the store is closed');
    await store.close();
  });
});

describe("options", () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["missing command", {}, "command", /is required/],
    ["a shell string", { command: "pass show x" }, "command", /not a shell string/],
    ["an empty list", { command: [] }, "command", /non-empty list/],
    ["a non-string argument", { command: ["pass", 3] }, "command.1", /must be a string/],
    ["an empty program", { command: [""] }, "command.0", /must name a program/],
    [
      "an unknown key",
      { command: ["x"], shell: true },
      "shell",
      /unknown option; the exec store accepts: command, timeoutMs, env/,
    ],
    ["a zero timeout", { command: ["x"], timeoutMs: 0 }, "timeoutMs", /from 100 to 600000/],
    ["a fractional timeout", { command: ["x"], timeoutMs: 1500.5 }, "timeoutMs", /whole number/],
    ["a string timeout", { command: ["x"], timeoutMs: "10s" }, "timeoutMs", /whole number/],
    ["env as a list", { command: ["x"], env: ["A=1"] }, "env", /mapping/],
    [
      "a bad env name",
      { command: ["x"], env: { "BAD-NAME": "1" } },
      "env.BAD-NAME",
      /not a valid environment variable name/,
    ],
    ["a non-string env value", { command: ["x"], env: { PORT: 8200 } }, "env.PORT", /must be a string/],
  ];
  for (const [title, options, key, problem] of cases) {
    it(`rejects ${title} with a StoreOptionsError naming ${key}`, () => {
      let error: unknown;
      try {
        createExecStore(options, { storeId: "vault" });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ExecStoreOptionsError);
      const optionsError = error as ExecStoreOptionsError;
      expect(optionsError.key).toBe(key);
      expect(optionsError.code).toBe("STORE_OPTIONS");
      expect(optionsError.message).toMatch(problem);
      expect(optionsError.message.startsWith(`store "vault" option "${key}": `)).toBe(true);
      expect(optionsError.message).not.toContain("pass show");
    });
  }
});

describe("loaded by partnerd", () => {
  /** A config folder where `partnerd-store-exec` is installed (a symlink, as pnpm and npm link make). */
  async function configDir(
    stores: string[],
  ): Promise<{ config: Awaited<ReturnType<typeof parse>>; file: string }> {
    await mkdir(join(dir, "node_modules"));
    await symlink(packageDir, join(dir, "node_modules", "partnerd-store-exec"), "dir");
    const file = join(dir, "partnerd.yaml");
    const text = [
      "stores:",
      ...stores,
      "profiles:",
      "  pc:",
      "    applicationId: app-1",
      "    scopes: [s]",
      "",
    ].join("\n");
    await writeFile(file, text);
    return { config: await parse(text, file), file };
  }
  async function parse(text: string, file: string) {
    const result = await parseConfig(text, { file, env: { HOME: dir } });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.config;
  }
  const builtins = {
    file: { apiVersion: 1 as const, name: "file", create: () => createExecStore({ command: ["true"] }) },
  };

  it("by package name, installed next to the config", async () => {
    const { config } = await configDir([
      "  vault:",
      "    use: partnerd-store-exec",
      "    options:",
      `      command: [${node}, ${jsonHelper}, ./s.json]`,
    ]);
    expect(await loadStorePlugin("vault", "partnerd-store-exec", config.dir, builtins)).toBe(plugin);
    const registry = await StoreRegistry.open(config, builtins, silentLogger);
    await registry.get("vault").put("pc", CANARY, metadata());
    expect((await registry.read("vault", "pc"))?.value).toBe(CANARY);
    await registry.close();
  });

  it("reports bad options at their place in the config file", async () => {
    const { config, file } = await configDir([
      "  vault:",
      "    use: partnerd-store-exec",
      "    options:",
      '      command: "pass show pc"',
    ]);
    const error = await rejection(StoreRegistry.open(config, builtins, silentLogger));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      `${file}:5:16 stores.vault.options.command: must be a list (argv), not a shell string: write [program, arg, …]; partnerd never runs a shell`,
    );
  });
});

/**
 * No live process is left in process group `pgid` (zombies nobody reaped do not count). Without /proc
 * (macOS) a group with any member, zombie or not, counts as alive.
 */
async function isGroupGone(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch {
    return true;
  }
  const entries = await readdir("/proc").catch(() => undefined);
  if (entries === undefined) return false;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") return false;
  }
  return true;
}

/** The process is gone or a zombie nobody reaped (containers often lack an init that reaps). */
async function isGone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat === "" || / Z /.test(stat);
}

describe("the helper's environment", () => {
  it("is an allow-list plus passEnv, and never a variable partnerd read a secret from", async () => {
    const clientSecret = "CLIENT-SECRET-CANARY-71b0e2d4";
    process.env.PARTNERD_TEST_CLIENT_SECRET = clientSecret;
    process.env.PARTNERD_TEST_UNRELATED = "UNRELATED-CANARY-5521";
    process.env.PARTNERD_TEST_HELPER_SESSION = "session-for-the-helper";
    try {
      // partnerd reads the client secret from the environment, as `clientSecret: { env: … }` does.
      const secret = await standaloneStoreContext({ configDir: dir }).resolveSecret(
        { env: "PARTNERD_TEST_CLIENT_SECRET" },
        "credential.clientSecret",
      );
      expect(secret.reveal()).toBe(clientSecret);
      await writeFile(
        join(dir, "helper.mjs"),
        `${READ_REQUEST}\nwriteFileSync("seen.json", JSON.stringify(process.env));`,
      );
      const store = await plugin.create(
        {
          command: [node, "./helper.mjs"],
          passEnv: ["PARTNERD_TEST_HELPER_SESSION", "PARTNERD_TEST_CLIENT_SECRET"],
        },
        standaloneStoreContext({ configDir: dir, storeId: "vault" }),
      );
      await store.get("pc");
      const seen = JSON.parse(await readFile(join(dir, "seen.json"), "utf8"));
      expect(seen.PATH).toBe(process.env.PATH);
      expect(seen.PARTNERD_TEST_HELPER_SESSION).toBe("session-for-the-helper");
      expect(seen.PARTNERD_TEST_UNRELATED).toBeUndefined();
      expect(JSON.stringify(seen)).not.toContain(clientSecret);
      await store.close?.();
    } finally {
      delete process.env.PARTNERD_TEST_CLIENT_SECRET;
      delete process.env.PARTNERD_TEST_UNRELATED;
      delete process.env.PARTNERD_TEST_HELPER_SESSION;
    }
  });
});
