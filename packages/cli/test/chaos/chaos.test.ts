// The chaos suite: a seeded, randomized run of the real `partnerd run` against FakeEntra in a process
// of its own, with fault-injecting stores, `kill -9` at pipeline steps and at random moments, 429/5xx
// bursts, slow responses, a full or read-only journal file system (a small tmpfs where the machine
// allows mounting one), store outages and read-back mismatches, in both rotation modes.
//
//   CHAOS_SEED=123 CHAOS_ITERATIONS=2000 pnpm exec vitest run packages/cli/test/chaos
//
// One episode is one profile living through one fault; a round gives every profile an episode at once.
// After every round: zero lost (each profile's newest issued token is in its store or journal), zero
// duplicates (no refresh token presented again after its successor reached partnerd), and at the end
// no secret and no stack trace in anything partnerd printed.
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprint } from "@partnerd/core";
import { afterAll, expect, it } from "vitest";
import { PARTNERD_BIN } from "../e2e/harness.ts";
import type { HostRequest, HostSnapshot } from "./entra-host.ts";

const SEED = Number(process.env.CHAOS_SEED ?? 20261123);
const ITERATIONS = Number(process.env.CHAOS_ITERATIONS ?? 200);
const PROFILES = 10;
const ROUND_ATTEMPT_MS = 8_000;
const ROUND_RECOVERY_MS = 20_000;

/** mulberry32: small, seedable, good enough to pick faults. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = random(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

// ---- FakeEntra in its own process -------------------------------------------------------------

class EntraHost {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (reply: { result?: unknown; error?: string }) => void>();
  #next = 0;
  readonly ready: Promise<void>;

  constructor() {
    this.#child = fork(new URL("./entra-host.ts", import.meta.url), {
      execArgv: [],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    this.ready = new Promise((resolve) => {
      this.#child.on(
        "message",
        (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
          if (message.ready) resolve();
          else if (message.id !== undefined) this.#pending.get(message.id)?.(message);
        },
      );
    });
  }

  async call<T = unknown>(request: HostRequest): Promise<T> {
    const id = this.#next++;
    const reply = await new Promise<{ result?: unknown; error?: string }>((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ id, request });
    });
    this.#pending.delete(id);
    if (reply.error) throw new Error(reply.error);
    return reply.result as T;
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }
}

// ---- partnerd run, with its output parsed as it arrives ----------------------------------------

interface Line {
  level: string;
  msg: string;
  profile?: string;
  at: number;
  [key: string]: unknown;
}

class Daemon {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  output = "";
  #partial = "";
  readonly exited: Promise<void>;
  dead = false;
  /** When the exit was seen: at or after the kill, before any restart. */
  diedAt: number | undefined;

  constructor(configPath: string) {
    this.child = spawn(process.execPath, [PARTNERD_BIN, "run", "-c", configPath], {
      env: { ...process.env, PARTNERD_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.output += chunk;
      const text = this.#partial + chunk;
      const parts = text.split("\n");
      this.#partial = parts.pop() ?? "";
      for (const part of parts) {
        try {
          this.lines.push({ ...(JSON.parse(part) as Line), at: Date.now() });
        } catch {
          // Not a log line; kept in `output` for the sweeps.
        }
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", () => {
        this.dead = true;
        this.diedAt = Date.now();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }
}

const ATTEMPT_END = new Set([
  "refresh token redeemed and stored",
  "refresh token recovered from the journal and stored",
  "refresh failed",
  "refresh failed; needs consent",
  "a redeemed refresh token is held in memory only; retrying the journal and the stores",
]);
const SUCCESS = new Set([
  "refresh token redeemed and stored",
  "refresh token recovered from the journal and stored",
]);
const NEEDS_CONSENT = "refresh failed; needs consent";

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

// ---- faults -----------------------------------------------------------------------------------

type RoundFault =
  | "none"
  | "kill-at-step"
  | "kill-during-redemption"
  | "kill-after-answer"
  | "kill-at-random"
  | "429-burst"
  | "5xx-burst"
  | "slow-provider"
  | "journal-full"
  | "journal-read-only";
type ProfileFault =
  | "none"
  | "store-outage"
  | "store-full"
  | "read-outage"
  | "read-back-mismatch"
  | "error-quotes-token";
const KILL_STEPS = ["put-before", "put-after", "read-back"] as const;

const figures = {
  seed: SEED,
  iterations: 0,
  rounds: 0,
  rotation: { "keep-old": 0, "single-use": 0 } as Record<string, number>,
  roundFaults: {} as Record<string, number>,
  profileFaults: {} as Record<string, number>,
  kills: 0,
  restarts: 0,
  lost: 0,
  stuck: 0,
  /** Strict rotation: answers redeemed just before a kill, never received; re-consented. */
  answersLostWithKilledProcess: 0,
  duplicates: 0,
  recoveryMs: { mean: 0, p95: 0, max: 0 },
  tmpfs: false,
  wallMs: 0,
};
const recoveries: number[] = [];
const problems: string[] = [];
const count = (table: Record<string, number>, key: string) => {
  table[key] = (table[key] ?? 0) + 1;
};

// ---- the run ----------------------------------------------------------------------------------

const host = new EntraHost();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

it(`survives ${ITERATIONS} chaos episodes (seed ${SEED}) without losing or re-presenting a token`, {
  timeout: 120_000 + ITERATIONS * 1_500,
}, async () => {
  const started = Date.now();
  await host.ready;
  cleanups.push(() => host.kill());
  const dir = await mkdtemp(join(tmpdir(), "partnerd-chaos-"));
  await chmod(dir, 0o700);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const { caPem, url } = await host.call<HostSnapshot>({ op: "snapshot" });
  await writeFile(join(dir, "ca.pem"), caPem, { mode: 0o600 });
  await copyFile(new URL("../e2e/fixtures/fault-store.js", import.meta.url), join(dir, "fault-store.js"));

  const secrets: string[] = [];
  const names = Array.from({ length: PROFILES }, (_, i) => `p${i}`);
  const clientOf = new Map<string, string>();
  const yaml = ["stateDir: ./state", "network: { caFile: ./ca.pem }", "stores:"];
  for (const name of names) {
    yaml.push(
      `  ${name}: { use: ./fault-store.js, options: { file: tokens-${name}.json, faults: faults-${name}.json } }`,
    );
  }
  yaml.push("profiles:");
  for (const name of names) {
    const clientId = randomUUID();
    const clientSecret = `SECRET-CHAOS-${randomUUID()}`;
    secrets.push(clientSecret);
    clientOf.set(name, clientId);
    await host.call({ op: "registerClient", clientId, clientSecret });
    await writeFile(join(dir, `secret-${name}`), clientSecret, { mode: 0o600 });
    await consent(dir, name, clientId);
    yaml.push(
      `  ${name}:`,
      `    applicationId: ${clientId}`,
      `    clientSecret: { file: ./secret-${name} }`,
      `    authority: ${url}`,
      "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
      `    refreshToken: { store: ${name}, name: ${name} }`,
      '    schedule: "* * * * * *"',
      "    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 }",
    );
  }
  const configPath = join(dir, "partnerd.yaml");
  await writeFile(configPath, `${yaml.join("\n")}\n`);

  // A small tmpfs for the journal, so that "disk full" and "read-only" are the kernel's own errors.
  const journalDir = join(dir, "state", "journal");
  await mkdir(journalDir, { recursive: true, mode: 0o700 });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", journalDir], {
      stdio: "ignore",
    });
    figures.tmpfs = true;
    cleanups.push(() => {
      execFileSync("umount", ["-l", journalDir], { stdio: "ignore" });
    });
  } catch {
    // No mounting here: the stores' injected ENOSPC/EROFS errors stand in for the file system.
  }
  const filler = join(journalDir, ".filler");

  const daemons: Daemon[] = [];
  let daemon = new Daemon(configPath);
  daemons.push(daemon);
  cleanups.push(() => {
    for (const d of daemons) d.child.kill("SIGKILL");
  });
  const testKills: number[] = [];

  const setFaults = (name: string, faults: Record<string, unknown>) =>
    writeFile(join(dir, `faults-${name}.json`), JSON.stringify(faults));

  for (let round = 0; figures.iterations < ITERATIONS; round++) {
    const mode = Math.floor(round / 4) % 2 === 0 ? "keep-old" : "single-use";
    await host.call({ op: "rotation", mode });
    // A kill before the answer arrives loses the rotated token under strict rotation whatever the
    // client does (the provider spent the old one): those kills run against Entra-style rotation only.
    const roundFaults: RoundFault[] = [
      "none",
      "kill-at-step",
      "429-burst",
      "5xx-burst",
      "slow-provider",
      ...(mode === "keep-old"
        ? (["kill-during-redemption", "kill-after-answer", "kill-at-random"] as const)
        : []),
      ...(figures.tmpfs ? (["journal-full", "journal-read-only"] as const) : []),
    ];
    const roundFault = pick(roundFaults);
    const faults = new Map<string, Record<string, unknown>>();
    for (const name of names) {
      const fault = pick<ProfileFault>([
        "none",
        "none",
        "store-outage",
        "store-full",
        "read-outage",
        "read-back-mismatch",
        "error-quotes-token",
      ]);
      count(figures.profileFaults, fault);
      faults.set(
        name,
        {
          none: {},
          "store-outage": { putFails: true },
          "store-full": { putFails: true, failWith: "ENOSPC: no space left on device, write" },
          "read-outage": { getFails: true },
          "read-back-mismatch": { dropWrites: true },
          "error-quotes-token": { putFails: true, errorQuotesValue: true },
        }[fault],
      );
    }
    if (roundFault === "kill-at-step") {
      const victim = pick(names);
      faults.set(victim, { killAt: pick(KILL_STEPS), killToken: `r${round}` });
    }
    count(figures.roundFaults, roundFault);
    figures.rotation[mode]! += PROFILES;

    // Apply.
    for (const [name, f] of faults) await setFaults(name, f);
    let randomKill: NodeJS.Timeout | undefined;
    if (roundFault === "429-burst")
      await host.call({ op: "failNext", count: 4, status: 429, retryAfterSeconds: 0 });
    if (roundFault === "5xx-burst")
      await host.call({ op: "failNext", count: 4, status: pick([500, 503] as const) });
    if (roundFault === "slow-provider") await host.call({ op: "latency", ms: 400 });
    if (roundFault === "journal-full")
      await writeFile(filler, Buffer.alloc(512 * 1024)).catch(() => undefined);
    if (roundFault === "journal-read-only") execFileSync("mount", ["-o", "remount,ro", journalDir]);
    if (roundFault === "kill-during-redemption") await host.call({ op: "killOnNextRedeem", pid: daemon.pid });
    if (roundFault === "kill-after-answer") {
      await host.call({ op: "killAfterAnswer", pid: daemon.pid, afterMs: Math.floor(rng() * 40) });
    }
    if (roundFault === "kill-at-random") {
      const current = daemon;
      randomKill = setTimeout(
        () => {
          testKills.push(Date.now());
          current.child.kill("SIGKILL");
        },
        Math.floor(rng() * 1500),
      );
    }
    const appliedAt = daemon.lines.length;
    await until(
      () =>
        daemon.dead ||
        names.every((name) =>
          daemon.lines.slice(appliedAt).some((l) => l.profile === name && ATTEMPT_END.has(l.msg)),
        ),
      ROUND_ATTEMPT_MS,
    );
    if (randomKill && !daemon.dead) {
      // Let the random kill land (it may be due within 1.5 s).
      await until(() => daemon.dead, 2_000);
    }
    clearTimeout(randomKill);

    // Clear every fault, restart if killed, and wait for each profile's next success.
    for (const name of names) await setFaults(name, {});
    await host.call({ op: "latency", ms: 0 });
    if (roundFault === "journal-full") await rm(filler, { force: true });
    if (roundFault === "journal-read-only") execFileSync("mount", ["-o", "remount,rw", journalDir]);
    if (daemon.dead && !roundFault.startsWith("kill"))
      problems.push(`round ${round}: partnerd exited on ${roundFault}`);
    let diedAt: number | undefined;
    if (daemon.dead || (roundFault.startsWith("kill") && (await until(() => daemon.dead, 1_000)))) {
      diedAt = daemon.diedAt;
      figures.kills++;
      figures.restarts++;
      daemon = new Daemon(configPath);
      daemons.push(daemon);
    }
    const clearedAt = Date.now();
    const clearedIndex = daemon.lines.length;
    const successOf = (name: string) =>
      daemon.lines.slice(clearedIndex).find((l) => l.profile === name && SUCCESS.has(l.msg));
    const rejected = (name: string) =>
      daemon.lines.slice(clearedIndex).some((l) => l.profile === name && l.msg === NEEDS_CONSENT);
    await until(
      () => daemon.dead || names.every((name) => successOf(name) !== undefined || rejected(name)),
      ROUND_RECOVERY_MS,
    );

    // Zero lost: the newest token the provider issued to each profile is in its store or journal.
    const snapshot = await host.call<HostSnapshot>({ op: "snapshot" });
    for (const name of names) {
      const success = successOf(name);
      const clientId = clientOf.get(name)!;
      const issued = snapshot.requests.filter((r) => r.clientId === clientId && r.status === 200 && r.issued);
      const newest = issued.at(-1);
      const held = [storedFingerprint(dir, name), journalFingerprint(journalDir, name)];
      if (!success) {
        // Under strict rotation a kill between the provider's answer and the journal's fsync loses
        // that answer for any client: the old token is spent, the new one never arrived.
        const answerLost =
          mode === "single-use" &&
          diedAt !== undefined &&
          newest !== undefined &&
          newest.at <= diedAt &&
          !held.includes(newest.issued);
        if (answerLost) figures.answersLostWithKilledProcess++;
        else {
          figures.stuck++;
          problems.push(`round ${round} (${mode}, ${roundFault}): ${name} did not recover`);
        }
        // A person consents again, so that the run goes on with this profile.
        await consent(dir, name, clientId);
        continue;
      }
      recoveries.push(success.at - clearedAt);
      if (newest?.issued && !held.includes(newest.issued)) {
        figures.lost++;
        problems.push(`round ${round} (${mode}, ${roundFault}): ${name} lost token ${newest.issued}`);
      }
    }
    figures.rounds++;
    figures.iterations += PROFILES;
  }

  // Zero duplicates, over the whole record.
  const snapshot = await host.call<HostSnapshot>({ op: "snapshot" });
  // Every death counts, also the fault store's own kills at pipeline steps.
  const kills = [...testKills, ...snapshot.kills, ...daemons.flatMap((d) => (d.diedAt ? [d.diedAt] : []))];
  for (const clientId of clientOf.values()) {
    figures.duplicates += duplicatesOf(
      snapshot.requests.filter((r) => r.clientId === clientId && r.grantType === "refresh_token"),
      kills,
      problems,
    );
  }

  for (const d of daemons) d.child.kill("SIGTERM");
  await Promise.all(daemons.map((d) => d.exited));
  const output = daemons.map((d) => d.output).join("\n");
  const leaked = [...snapshot.issued, ...secrets].filter((secret) => output.includes(secret));
  const stackTraces = output.split("\n").filter((line) => /^\s+at .+:\d+:\d+\)?$/.test(line));

  recoveries.sort((a, b) => a - b);
  figures.recoveryMs = {
    mean: Math.round(recoveries.reduce((a, b) => a + b, 0) / Math.max(1, recoveries.length)),
    p95: recoveries[Math.floor(recoveries.length * 0.95)] ?? 0,
    max: recoveries.at(-1) ?? 0,
  };
  figures.wallMs = Date.now() - started;
  console.log(`chaos figures: ${JSON.stringify(figures)}`);
  if (process.env.CHAOS_REPORT)
    await writeFile(process.env.CHAOS_REPORT, `${JSON.stringify(figures, null, 2)}\n`);

  expect(problems).toEqual([]);
  expect(figures.lost).toBe(0);
  expect(figures.duplicates).toBe(0);
  expect(leaked.length, "secrets in partnerd's output").toBe(0);
  expect(stackTraces).toEqual([]);
  expect(figures.iterations).toBeGreaterThanOrEqual(ITERATIONS);
});

/** A person's consent: a fresh refresh token from the provider, put in the profile's store. */
async function consent(dir: string, name: string, clientId: string): Promise<void> {
  const token = await host.call<string>({
    op: "issueRefreshToken",
    clientId,
    value: `RT-CHAOS-${randomUUID()}`,
  });
  const entry = { value: token, version: 1, updatedAt: new Date().toISOString() };
  await writeFile(join(dir, `tokens-${name}.json`), JSON.stringify({ [name]: entry }), { mode: 0o600 });
}

function storedFingerprint(dir: string, name: string): string | undefined {
  const file = join(dir, `tokens-${name}.json`);
  if (!existsSync(file)) return undefined;
  const value = JSON.parse(readFileSync(file, "utf8"))[name]?.value;
  return typeof value === "string" ? fingerprint(value) : undefined;
}

function journalFingerprint(journalDir: string, name: string): string | undefined {
  const file = join(journalDir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return fingerprint(JSON.parse(readFileSync(file, "utf8")).refreshToken);
  } catch {
    return undefined;
  }
}

/**
 * A token presented again after a successful redemption is a duplicate (a strict provider would
 * revoke the grant), unless a kill fell between the redemption and the new presentation and the
 * token it was exchanged for had not been presented yet: then the answer never reached partnerd.
 */
function duplicatesOf(requests: HostSnapshot["requests"], kills: number[], problems: string[]): number {
  const redeemedAt = new Map<string, number>();
  const successor = new Map<string, string>();
  const presentedAt = new Map<string, number>();
  let duplicates = 0;
  for (const request of [...requests].sort((a, b) => a.at - b.at)) {
    const token = request.presented;
    if (!token) continue;
    const earlier = redeemedAt.get(token);
    if (earlier !== undefined) {
      const next = successor.get(token);
      const successorKnown = next !== undefined && (presentedAt.get(next) ?? Infinity) < request.at;
      const killBetween = kills.some((k) => k >= earlier && k <= request.at);
      if (successorKnown || !killBetween) {
        duplicates++;
        problems.push(`token ${token} presented again at ${new Date(request.at).toISOString()}`);
      }
    }
    if (!presentedAt.has(token)) presentedAt.set(token, request.at);
    if (request.status === 200 && request.issued) {
      redeemedAt.set(token, request.at);
      successor.set(token, request.issued);
    }
  }
  return duplicates;
}
