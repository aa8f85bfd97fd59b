import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { standaloneStoreContext } from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import { FakeEntra, type FakeEntraOptions } from "@partnerd/testkit";
import { afterAll, beforeAll, expect } from "vitest";

export const PARTNERD_BIN = fileURLToPath(new URL("../../bin/partnerd.js", import.meta.url));

/** The keys of `partnerd token --json`: the cmdlet's AuthResult, in its order. */
export const AUTH_RESULT_KEYS = [
  "AccessToken",
  "IsExtendedLifeTimeToken",
  "UniqueId",
  "ExpiresOn",
  "ExtendedExpiresOn",
  "TenantId",
  "Account",
  "IdToken",
  "Scopes",
  "CorrelationId",
];

/**
 * The YAML lines of a `keyvault` store named `vault` that signs in to `entraUrl` with the workspace's
 * `./vault-secret` file, against a FakeKeyVault at `vaultUrl` trusted through `./ca.pem`.
 */
export function keyVaultStoreLines(
  vaultUrl: string,
  entraUrl: string,
  tenantId: string,
  clientId: string,
): string[] {
  return [
    "  vault:",
    "    use: keyvault",
    "    options:",
    `      vaultUrl: ${vaultUrl}`,
    "      caFile: ./ca.pem",
    "      verifyChallengeResource: false",
    "      retry: { maxRetries: 0 }",
    "      credential:",
    "        type: client-secret",
    `        tenantId: ${tenantId}`,
    `        clientId: ${clientId}`,
    "        clientSecret: { file: ./vault-secret }",
    `        authorityHost: ${entraUrl}`,
  ];
}

/** Every secret a test hands out or the fake issues; none may ever appear in partnerd's output. */
export const canaries = new Set<string>();

export function canary(kind: string): string {
  const value = `${kind}-CANARY-${randomUUID()}`;
  canaries.add(value);
  return value;
}

export interface Workspace {
  dir: string;
  configPath: string;
  stateDir: string;
  secretsDir: string;
  clientId: string;
}

/** A temp folder with the fake's CA, a client secret file, a seeded refresh token and a config. */
export async function createWorkspace(
  entra: FakeEntra,
  options: {
    profileYaml?: (ws: Omit<Workspace, "configPath">) => string;
    seed?: boolean;
    confidential?: boolean;
  } = {},
): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), "partnerd-e2e-"));
  await chmod(dir, 0o700);
  const stateDir = join(dir, "state");
  const secretsDir = join(stateDir, "secrets");
  const clientId = randomUUID();
  const confidential = options.confidential ?? true;
  const clientSecret = canary("SECRET");
  entra.registerClient(confidential ? { clientId, clientSecret } : { clientId });
  await entra.writeCaFile(join(dir, "ca.pem"));
  await writeFile(join(dir, "client-secret"), `${clientSecret}\n`, { mode: 0o600 });
  if (options.seed ?? true) {
    const seeded = entra.issueRefreshToken({ clientId, value: canary("RT") });
    await seedToken(secretsDir, "pc", seeded);
  }
  const base = { dir, stateDir, secretsDir, clientId };
  const profile =
    options.profileYaml?.(base) ??
    [
      ...userProfileLines(entra, clientId, { confidential }),
      '    schedule: "* * * * * *"',
      "    retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 }",
    ].join("\n");
  const configPath = join(dir, "partnerd.yaml");
  await writeFile(configPath, `stateDir: ./state\nnetwork:\n  caFile: ./ca.pem\nprofiles:\n${profile}\n`);
  return { ...base, configPath };
}

/**
 * The YAML lines of profile `name` for a user's Partner Center token from `entra`, with the workspace's
 * client secret unless `confidential` is false; add more lines after them.
 */
export function userProfileLines(
  entra: FakeEntra,
  clientId: string,
  { name = "pc", confidential = true }: { name?: string; confidential?: boolean } = {},
): string[] {
  return [
    `  ${name}:`,
    `    applicationId: ${clientId}`,
    ...(confidential ? ["    clientSecret: { file: ./client-secret }"] : []),
    `    authority: ${entra.url}`,
    "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
  ];
}

export async function seedToken(secretsDir: string, name: string, value: string): Promise<void> {
  const store = await openFileStore(secretsDir);
  await store.put(name, value, {
    profile: name,
    fingerprint: "seed",
    refreshedAt: new Date(),
    expiresByInactivityAt: new Date(Date.now() + 90 * 86_400_000),
  });
}

export async function storedToken(secretsDir: string, name = "pc"): Promise<string | undefined> {
  return (await (await openFileStore(secretsDir)).get(name))?.value;
}

function openFileStore(dir: string) {
  return fileStore.create({ dir }, standaloneStoreContext({ configDir: dir, storeId: "test" }));
}

export interface LogLine {
  level: string;
  msg: string;
  profile?: string;
  [key: string]: unknown;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to partnerd's standard input. */
  input?: string;
  /** stdout is the command's product (a token the user asked for), so it is left out of the canary sweep. */
  stdoutIsResult?: boolean;
  /** Another partnerd entry point (an installed build) instead of the workspace's. */
  bin?: string;
  /** Another Node executable (e.g. the oldest supported) instead of the one running the tests. */
  node?: string;
  /** Options for Node itself, before the script (`--import ...`). */
  nodeArgs?: string[];
}

export class PartnerdProcess {
  readonly child: ChildProcess;
  readonly stdoutIsResult: boolean;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], options: RunOptions = {}) {
    this.child = spawn(
      options.node ?? process.execPath,
      [...(options.nodeArgs ?? []), options.bin ?? PARTNERD_BIN, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, PARTNERD_LOG_LEVEL: "debug", ...options.env },
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      },
    );
    if (options.input !== undefined) this.child.stdin!.end(options.input);
    this.stdoutIsResult = options.stdoutIsResult === true;
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    outputs.push(this);
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  get logs(): LogLine[] {
    return this.stdout.split("\n").flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        const parsed = JSON.parse(line) as LogLine;
        return typeof parsed.level === "string" && typeof parsed.msg === "string" ? [parsed] : [];
      } catch {
        return [];
      }
    });
  }

  /** Resolves with the matching log lines once at least `count` exist. */
  async waitForLogs(
    predicate: (line: LogLine) => boolean,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matches = this.logs.filter(predicate);
      if (matches.length >= count) return matches;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(
          `waited for ${count} matching log line(s); got ${matches.length}.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Runs the partnerd installed in `appDir`'s node_modules (a packed, published build) to completion. */
export async function runInstalled(appDir: string, args: string[], options: RunOptions = {}) {
  const bin = join(appDir, "node_modules", "partnerd", "bin", "partnerd.js");
  const process = new PartnerdProcess(args, { ...options, bin });
  const { code } = await process.exited;
  return { code, stdout: process.stdout, stderr: process.stderr };
}

/** Runs partnerd to completion. */
export async function runPartnerd(args: string[], options: RunOptions = {}) {
  const process = new PartnerdProcess(args, options);
  const { code } = await process.exited;
  return { code, stdout: process.stdout, stderr: process.stderr, logs: process.logs };
}

const outputs: PartnerdProcess[] = [];

/** Everything every spawned partnerd printed in this test file. */
export function allOutput(): string {
  return outputs.map((p) => (p.stdoutIsResult ? p.stderr : p.stdout + p.stderr)).join("\n");
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts a FakeEntra for the test file and, after its last test, checks that no canary and no token the
 * fake ever issued (access, refresh and id tokens, spent or not) appeared in anything partnerd printed.
 */
export function useFakeEntra(options: FakeEntraOptions = { rotation: "single-use" }): {
  readonly entra: FakeEntra;
} {
  const holder = {} as { entra: FakeEntra };
  beforeAll(async () => {
    holder.entra = await FakeEntra.start(options);
  });
  afterAll(async () => {
    await holder.entra.close();
    for (const token of holder.entra.issuedTokens()) canaries.add(token);
    const output = allOutput();
    for (const secret of canaries) expect(output).not.toContain(secret);
  });
  return holder;
}
