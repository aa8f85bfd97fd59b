import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { oldestNodeVersion, REPO } from "./oldest-node.ts";

/** Every manifest in the workspace (pnpm-workspace.yaml: the root, packages/*, examples/*). */
async function manifests(): Promise<string[]> {
  const inFolder = async (folder: string) =>
    (await readdir(join(REPO, folder), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && existsSync(join(REPO, folder, entry.name, "package.json")))
      .map((entry) => `${folder}/${entry.name}/package.json`);
  return ["package.json", ...(await inFolder("packages")), ...(await inFolder("examples"))];
}

describe("the oldest supported Node", () => {
  it("is declared the same everywhere: engines.node, ./dev, the bin's own check and the README", async () => {
    const version = await oldestNodeVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const files = await manifests();
    expect(files).toContain("packages/hooks-builtin/package.json");
    for (const file of files) {
      const manifest = JSON.parse(await readFile(join(REPO, file), "utf8")) as {
        engines?: { node?: string };
      };
      expect(manifest.engines?.node, file).toBe(`>=${version}`);
    }
    expect(await readFile(join(REPO, "dev"), "utf8")).toContain(`NODE_MIN=${version}\n`);
    expect(await readFile(join(REPO, "packages/cli/bin/partnerd.js"), "utf8")).toContain(
      `const NODE_MIN = "${version}";`,
    );
    expect(await readFile(join(REPO, "README.md"), "utf8")).toContain(`Node.js ${version} or newer`);
    expect(await readFile(join(REPO, "packages/cli/README.md"), "utf8")).toContain(
      `Node.js ${version} or newer`,
    );
  });
});
