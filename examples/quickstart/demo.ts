/**
 * The quick start: starts a local fake Entra ID, seeds a refresh token into the file store, and runs
 * `partnerd run` with ./partnerd.yaml until Ctrl-C (or `--rotations N`). Prints fingerprints, never tokens.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fingerprint, standaloneStoreContext } from "@partnerd/core";
import fileStore from "@partnerd/store-file";
import { FakeEntra } from "@partnerd/testkit";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLIENT_ID = "5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11";
/** Fixed because partnerd.yaml names it; below Linux's ephemeral range (32768+), where other programs' random ports land. */
const PORT = 17443;

const { values } = parseArgs({ options: { rotations: { type: "string" } } });
const stopAfter = values.rotations ? Number(values.rotations) : undefined;

await rm(here(".demo"), { recursive: true, force: true });
await mkdir(here(".demo"), { mode: 0o700 });

const entra = await FakeEntra.start({ port: PORT });
await entra.writeCaFile(here(".demo/fake-entra-ca.pem"));
const clientSecret = randomBytes(24).toString("base64url");
await writeFile(here(".demo/client-secret"), clientSecret, { mode: 0o600 });
entra.registerClient({ clientId: CLIENT_ID, clientSecret });

const seeded = entra.issueRefreshToken({ clientId: CLIENT_ID });
const store = await fileStore.create(
  { dir: here(".demo/state/secrets") },
  standaloneStoreContext({ configDir: here("."), storeId: "default" }),
);
await store.put("partner-center", seeded, {
  profile: "partner-center",
  fingerprint: fingerprint(seeded),
  refreshedAt: new Date(),
  expiresByInactivityAt: new Date(Date.now() + 90 * 86_400_000),
});

say(`fake Entra ID listening on ${entra.url}`);
say(`seeded refresh token ${fingerprint(seeded)} into the file store (.demo/state/secrets/partner-center)`);
say(`starting: partnerd run -c examples/quickstart/partnerd.yaml${stopAfter ? "" : "   (Ctrl-C to stop)"}\n`);

const partnerd = spawn(
  process.execPath,
  [here("../../packages/cli/bin/partnerd.js"), "run", "-c", here("partnerd.yaml"), "--log-format", "pretty"],
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
process.on("SIGINT", () => stop());

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  partnerd.kill("SIGTERM");
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

function say(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}
