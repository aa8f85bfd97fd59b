import { spawn } from "node:child_process";
import { resolve } from "node:path";
import {
  defineHook,
  type ExecHookOptions,
  ExecHookOptionsSchema,
  type HookContext,
  type HookPayload,
} from "@partnerd/core/plugin";
import { parseOptions } from "./options.ts";

interface ExecState extends ExecHookOptions {
  cwd: string;
}

const KILL_GRACE_MS = 2000;

/**
 * Runs a program for each event: argv without a shell, the payload as JSON on stdin, only allow-listed
 * environment variables, killed (with its children) when over its timeout. Output goes to the log,
 * capped. The access token is added to `refreshed` payloads only with `includeAccessToken: true`.
 */
const execHook = defineHook<ExecState>({
  apiVersion: 1,
  name: "exec",
  setup(options, context) {
    const parsed = parseOptions(ExecHookOptionsSchema, options);
    return { ...parsed, cwd: resolve(context.configDir, parsed.cwd ?? ".") };
  },
  handlers: {
    refreshed: run,
    failed: run,
    "needs-consent": run,
    recovered: run,
    expiring: run,
  },
});

export default execHook;

async function run(payload: HookPayload, context: HookContext<ExecState>): Promise<void> {
  const { state } = context;
  const withToken =
    state.includeAccessToken && payload.event === "refreshed" && context.accessToken
      ? { ...payload, accessToken: context.accessToken.reveal() }
      : payload;
  const result = await runProgram(state, `${JSON.stringify(withToken)}\n`, context.signal, {
    PARTNERD_EVENT: payload.event,
    PARTNERD_PROFILE: payload.profile,
  });
  const output = {
    ...(result.stdout ? { stdout: result.stdout } : {}),
    ...(result.stderr ? { stderr: result.stderr } : {}),
  };
  if (Object.keys(output).length > 0) context.logger.info("hook program output", output);
  const program = state.command[0];
  if (result.timedOut) throw new Error(`${program} was killed after ${state.timeoutSeconds} s`);
  if (result.aborted) throw new Error(`${program} was killed: the hook's time ran out`);
  if (result.spawnError) throw new Error(`cannot run ${program}: ${result.spawnError}`);
  if (result.signal) throw new Error(`${program} was ended by ${result.signal}`);
  if (result.code !== 0) {
    const tail = result.stderr.trim().split("\n").pop();
    throw new Error(`${program} exited with code ${result.code}${tail ? `: ${tail}` : ""}`);
  }
}

interface ProgramResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  spawnError: string | undefined;
}

function runProgram(
  state: ExecState,
  input: string,
  signal: AbortSignal,
  extraEnv: Record<string, string>,
): Promise<ProgramResult> {
  const env: NodeJS.ProcessEnv = { ...extraEnv };
  for (const name of ["PATH", ...state.env]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  const [program, ...args] = state.command as [string, ...string[]];
  return new Promise((done) => {
    // Its own process group, so that a timeout kills what a script started too.
    const child = spawn(program, args, { cwd: state.cwd, env, stdio: "pipe", detached: true });
    const stdout = capped(state.maxOutputBytes);
    const stderr = capped(state.maxOutputBytes);
    const result: Omit<ProgramResult, "code" | "signal" | "stdout" | "stderr"> = {
      timedOut: false,
      aborted: false,
      spawnError: undefined,
    };
    const kill = () => {
      killGroup(child.pid, "SIGTERM");
      setTimeout(() => killGroup(child.pid, "SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      result.timedOut = true;
      kill();
    }, state.timeoutSeconds * 1000);
    const onAbort = () => {
      result.aborted = true;
      kill();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", stdout.add);
    child.stderr.on("data", stderr.add);
    child.stdin.on("error", () => undefined); // A program that does not read its input is fine.
    child.stdin.end(input);
    let settled = false;
    const finish = (code: number | null, exitSignal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      done({ ...result, code, signal: exitSignal, stdout: stdout.text(), stderr: stderr.text() });
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      result.spawnError = error.code ?? error.message;
      finish(null, null);
    });
    // `close` waits for the output pipes; after a kill, a grandchild may hold them, so `exit` is enough.
    child.once("close", finish);
    child.once("exit", (code, exitSignal) => {
      if (result.timedOut || result.aborted) finish(code, exitSignal);
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Collects at most `max` bytes; notes how much was left out. */
function capped(max: number) {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  return {
    add: (chunk: Buffer) => {
      const room = Math.max(0, max - kept);
      if (room > 0) chunks.push(chunk.subarray(0, room));
      kept += Math.min(room, chunk.length);
      dropped += Math.max(0, chunk.length - room);
    },
    text: () => {
      const text = Buffer.concat(chunks).toString("utf8").trimEnd();
      return dropped > 0 ? `${text}… (${dropped} more bytes)` : text;
    },
  };
}
