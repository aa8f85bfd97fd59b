/**
 * The quick start: starts a local fake Entra ID on a free port, seeds a refresh token into the file store,
 * and runs `partnerd run` with a copy of ./partnerd.yaml until Ctrl-C (or `--rotations N`). Prints
 * fingerprints, never tokens. Each demo has its own folder, .demo/<port>, so several can run at once.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fingerprint, standaloneStoreContext } from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import { FakeEntra } from "@partnerd/testkit";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLIENT_ID = "5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11";
/** The authority partnerd.yaml names; each demo's copy names its own fake's port instead. */
const TEMPLATE_AUTHORITY = "https://127.0.0.1:17443";

const { values } = parseArgs({ options: { rotations: { type: "string" } } });
const stopAfter = values.rotations ? Number(values.rotations) : undefined;

await mkdir(here(".demo"), { recursive: true, mode: 0o700 });
await removeFinishedDemos();
const entra = await FakeEntra.start(); // a free port
const port = new URL(entra.url).port;
const folder = here(`.demo/${port}`);
const configPath = `${folder}/partnerd.yaml`;
await rm(folder, { recursive: true, force: true }); // left by a finished demo that had this port
await mkdir(folder, { mode: 0o700 });
await writeFile(`${folder}/demo.pid`, `${process.pid}\n`);
// The same config, with the paths made relative to the copy and the authority pointing at this fake.
const template = await readFile(here("partnerd.yaml"), "utf8");
await writeFile(
  configPath,
  template
    .replace("$schema=../../", "$schema=../../../../")
    .replaceAll("./.demo/", "./")
    .replace(TEMPLATE_AUTHORITY, entra.url.replace(/\/$/, "")),
);

await entra.writeCaFile(`${folder}/fake-entra-ca.pem`);
const clientSecret = randomBytes(24).toString("base64url");
await writeFile(`${folder}/client-secret`, clientSecret, { mode: 0o600 });
entra.registerClient({ clientId: CLIENT_ID, clientSecret });

const seeded = entra.issueRefreshToken({ clientId: CLIENT_ID });
const store = await fileStore.create(
  { dir: `${folder}/state/secrets` },
  standaloneStoreContext({ configDir: here("."), storeId: "default" }),
);
await store.put("partner-center", seeded, {
  profile: "partner-center",
  fingerprint: fingerprint(seeded),
  refreshedAt: new Date(),
  expiresByInactivityAt: new Date(Date.now() + 90 * 86_400_000),
});

say(`fake Entra ID listening on ${entra.url}`);
const shownConfig = relative(process.cwd(), configPath);
say(
  `seeded refresh token ${fingerprint(seeded)} into the file store (${relative(process.cwd(), folder)}/state/secrets)`,
);
say(`starting: partnerd run -c ${shownConfig}${stopAfter ? "" : "   (Ctrl-C to stop)"}`);
say(`meanwhile, in another terminal: partnerd status -c ${shownConfig}\n`);

const partnerd = spawn(
  process.execPath,
  [here("../../packages/cli/bin/partnerd.js"), "run", "-c", configPath, "--log-format", "pretty"],
  // Its own process group: Ctrl-C reaches only the demo, which asks partnerd to stop exactly once.
  { stdio: ["ignore", "pipe", "inherit"], detached: true },
);
process.on("exit", () => partnerd.kill("SIGKILL"));
let rotations = 0;
partnerd.stdout.setEncoding("utf8").on("data", (chunk: string) => {
  process.stdout.write(chunk);
  rotations += chunk.split("refresh token redeemed and stored").length - 1;
  if (stopAfter !== undefined && rotations >= stopAfter) stop();
});
process.on("SIGINT", () => stop("SIGINT")); // passed on as it is, so partnerd logs the Ctrl-C it got

let stopping = false;
function stop(signal: NodeJS.Signals = "SIGTERM"): void {
  if (stopping) return;
  stopping = true;
  partnerd.kill(signal);
}

const code = await new Promise<number | null>((resolve) => partnerd.once("exit", resolve));
const stored = (await store.get("partner-center"))?.value;
const live = stored !== undefined && entra.isValidRefreshToken(stored);
process.stdout.write("\n");
say(
  `${rotations} rotation(s). The store holds ${stored ? fingerprint(stored) : "nothing"}, which the identity provider ${live ? "accepts" : "does NOT accept"}.`,
);
await store.close?.();
await entra.close();
process.exitCode = code === 0 && live ? 0 : 1;

/** Folders of demos that have ended; a running demo's folder (its pid alive) is never touched. */
async function removeFinishedDemos(): Promise<void> {
  for (const entry of await readdir(here(".demo"), { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^\d+$/.test(entry.name)) continue;
    const dir = here(`.demo/${entry.name}`);
    const pid = Number(await readFile(`${dir}/demo.pid`, "utf8").catch(() => "0"));
    if (pid > 0 && isAlive(pid)) continue;
    // No pid yet: a demo may be setting this folder up right now.
    if (pid === 0 && Date.now() - (await stat(dir)).mtimeMs < 60_000) continue;
    await rm(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function say(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}
