import { execFile } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO = fileURLToPath(new URL("../../../..", import.meta.url));

/** The oldest supported Node, read from the CLI's engines.node (">=22.19.0"). */
export async function oldestNodeVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO, "packages/cli/package.json"), "utf8")) as {
    engines: { node: string };
  };
  return manifest.engines.node.replace(/^>=/, "");
}

/**
 * The Node executable of the oldest supported version: `$PARTNERD_OLDEST_NODE`, or the copy `./dev test`
 * keeps in `.tools/node-<version>`, installed from the npm registry's `node` package when missing.
 */
export async function oldestNode(): Promise<string> {
  if (process.env.PARTNERD_OLDEST_NODE) return process.env.PARTNERD_OLDEST_NODE;
  const version = await oldestNodeVersion();
  const prefix = join(REPO, ".tools", `node-${version}`);
  const bin = join(prefix, "bin", "node");
  const present = await access(bin).then(
    () => true,
    () => false,
  );
  if (!present) {
    await promisify(execFile)(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-fund",
        "--no-audit",
        `node@${version}`,
      ],
      { timeout: 600_000 },
    );
  }
  return bin;
}
