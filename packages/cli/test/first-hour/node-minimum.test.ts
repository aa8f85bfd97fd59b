import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { oldestNodeVersion, REPO } from "./oldest-node.ts";

const MANIFESTS = [
  "package.json",
  "packages/core/package.json",
  "packages/cli/package.json",
  "packages/store-file/package.json",
  "packages/store-keyvault/package.json",
  "packages/store-aws/package.json",
  "packages/testkit/package.json",
  "examples/store-exec/package.json",
];

describe("the oldest supported Node", () => {
  it("is declared the same everywhere: engines.node, ./dev, the bin's own check and the README", async () => {
    const version = await oldestNodeVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const file of MANIFESTS) {
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
