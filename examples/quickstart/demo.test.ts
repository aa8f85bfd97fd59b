import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const demo = fileURLToPath(new URL("./demo.ts", import.meta.url));
/** The demo names its config (.demo/<port>/partnerd.yaml); its store is next to it. */
const storedToken = async (output: string) => {
  const config = /partnerd run -c (\S+)partnerd\.yaml/.exec(output)?.[1];
  expect(config).toBeDefined();
  return JSON.parse(await readFile(resolve(config!, "state/secrets/partner-center"), "utf8")).value as string;
};

function runDemo(
  args: string[],
  onOutput?: (output: string, signalGroup: (s: NodeJS.Signals) => void) => void,
) {
  // detached: the demo leads its own process group, like a shell job in a terminal.
  const child = spawn(process.execPath, [demo, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output, (signal) => process.kill(-child.pid!, signal));
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once("exit", (code) => resolve({ code, output })),
  );
}

describe("quick-start demo (README command 1)", () => {
  it("two demos at once each rotate twice on their own port and keep their stores; fingerprints only", async () => {
    const both = await Promise.all([runDemo(["--rotations", "2"]), runDemo(["--rotations", "2"])]);
    const configs = new Set<string>();
    for (const { code, output } of both) {
      expect(code, output).toBe(0);
      expect(output).not.toContain("EADDRINUSE");
      expect(output.match(/refresh token redeemed and stored/g)).toHaveLength(2);
      expect(output).toContain("2 rotation(s). The store holds");
      expect(output).toContain("which the identity provider accepts");
      expect(output).not.toContain(await storedToken(output));
      configs.add(/partnerd run -c (\S+)/.exec(output)![1]!);
    }
    expect(configs.size).toBe(2);
  }, 45_000);

  it("Ctrl-C (SIGINT to the whole process group) stops it cleanly", async () => {
    let sent = false;
    const { code, output } = await runDemo([], (text, signalGroup) => {
      if (!sent && text.includes("refresh token redeemed and stored")) {
        sent = true;
        signalGroup("SIGINT");
      }
    });
    expect(code).toBe(0);
    expect(output).toContain("stopped");
    expect(output).toContain("signal=SIGINT"); // Ctrl-C is reported as what it was
    expect(output).not.toContain("second signal");
    expect(output).toContain("which the identity provider accepts");
  }, 30_000);
});
