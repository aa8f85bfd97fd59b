/**
 * The published artifacts, not the workspace: every package is packed as `pnpm publish` would pack it,
 * the tarballs are installed into a folder outside the workspace, and the installed `partnerd` runs
 * from node_modules (compiled JavaScript; Node strips no types there). A store written the way a third
 * party would write it imports the installed @partnerd/core.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FakeEntra } from "@partnerd/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, runInstalled, runPartnerd, seedToken, storedToken } from "../e2e/harness.ts";
import { oldestNode, oldestNodeVersion } from "../first-hour/oldest-node.ts";

const run = promisify(execFile);
const packagesDir = fileURLToPath(new URL("../../..", import.meta.url));
const PACKAGES = ["core", "store-file", "store-keyvault", "store-aws", "hooks-builtin", "cli"] as const;
/** The pnpm running this test run (`pnpm test`); without it the packing steps cannot run. */
const pnpm = process.env.npm_execpath?.includes("pnpm") ? process.env.npm_execpath : undefined;

describe.skipIf(pnpm === undefined)("the installed packages (run through pnpm)", () => {
  let app: string;
  let entra: FakeEntra;
  /** The oldest Node that engines.node admits: the installed packages must work on it. */
  let node: string;

  beforeAll(async () => {
    app = await realpath(await mkdtemp(join(tmpdir(), "partnerd-installed-")));
    const tarballs = join(app, "tarballs");
    await mkdir(tarballs);
    for (const name of PACKAGES) {
      await run(pnpm!, ["pack", "--pack-destination", tarballs], {
        cwd: join(packagesDir, name),
      });
    }
    const files = await readdir(tarballs);
    const tarball = (prefix: string) => `file:./tarballs/${files.find((f) => f.startsWith(prefix))}`;
    const local = {
      partnerd: tarball("partnerd-0"),
      "@partnerd/core": tarball("partnerd-core-"),
      "@partnerd/store-file": tarball("partnerd-store-file-"),
      "@partnerd/store-keyvault": tarball("partnerd-store-keyvault-"),
      "@partnerd/store-aws": tarball("partnerd-store-aws-"),
      "@partnerd/hooks-builtin": tarball("partnerd-hooks-builtin-"),
    };
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({ private: true, type: "module", dependencies: local }),
    );
    // The packed packages depend on each other by version; point those at the tarballs too.
    await writeFile(
      join(app, "pnpm-workspace.yaml"),
      `overrides:\n${Object.entries(local)
        .map(([name, spec]) => `  "${name}": "${spec}"`)
        .join("\n")}\n`,
    );
    await run(pnpm!, ["install", "--prefer-offline", "--reporter=silent"], { cwd: app });
    entra = await FakeEntra.start();
    node = await oldestNode();
  }, 600_000);

  afterAll(async () => {
    await entra?.close();
  });

  it("the installed partnerd runs its compiled JavaScript, on the oldest supported Node too", async () => {
    const result = await runInstalled(app, ["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    expect(await runInstalled(app, ["--version"], { node })).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    const { stdout: nodeVersion } = await run(node, ["-p", "process.versions.node"]);
    expect(nodeVersion.trim()).toBe(await oldestNodeVersion());
  });

  it("every package ships its README and LICENSE, and says where it comes from", async () => {
    for (const name of PACKAGES.map((dir) => (dir === "cli" ? "partnerd" : `@partnerd/${dir}`))) {
      const dir = join(app, "node_modules", name);
      const files = await readdir(dir);
      expect(files, name).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json"]));
      expect(await readFile(join(dir, "LICENSE"), "utf8")).toContain("partnerd contributors");
      const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<
        string,
        unknown
      >;
      expect(manifest, name).toMatchObject({
        license: "MIT",
        engines: { node: `>=${await oldestNodeVersion()}` },
        repository: { url: expect.stringContaining("github.com") },
        homepage: expect.stringContaining("github.com"),
      });
    }
  });

  it("redeems and rotates a refresh token, and loads a third-party store that imports @partnerd/core", async () => {
    const clientId = "11111111-2222-4333-8444-555555555555";
    entra.registerClient({ clientId });
    await entra.writeCaFile(join(app, "ca.pem"));
    await writeFile(
      join(app, "my-store.js"),
      [
        'import { defineStore, STORE_API_VERSION, StoreError } from "@partnerd/core";',
        'import fileStore from "@partnerd/store-file";',
        "// A third party's store: here it wraps the file store and tags its errors.",
        "export default defineStore({",
        "  apiVersion: STORE_API_VERSION,",
        '  name: "mine",',
        "  async create(options, context) {",
        "    const inner = await fileStore.create(options, context);",
        "    return {",
        "      capabilities: inner.capabilities,",
        "      get: (name) => inner.get(name),",
        "      put: async (name, value, metadata) => {",
        "        try { return await inner.put(name, value, metadata); }",
        '        catch (error) { throw new StoreError(context.storeId, name, "write failed", { cause: error }); }',
        "      },",
        "    };",
        "  },",
        "});",
      ].join("\n"),
    );
    await writeFile(
      join(app, "partnerd.yaml"),
      [
        "stateDir: ./state",
        "network: { caFile: ./ca.pem }",
        "stores:",
        "  mine: { use: ./my-store.js, options: { dir: ./secrets } }",
        "profiles:",
        "  pc:",
        `    applicationId: ${clientId}`,
        `    authority: ${entra.url}`,
        "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
        "    refreshToken: { store: mine }",
      ].join("\n"),
    );
    const seeded = entra.issueRefreshToken({ clientId, value: canary("RT") });
    await seedToken(join(app, "secrets"), "pc", seeded);

    const result = await runInstalled(app, ["refresh", "pc", "-c", join(app, "partnerd.yaml")]);
    expect(result.code).toBe(0);
    const stored = await storedToken(join(app, "secrets"));
    expect(stored).not.toBe(seeded);
    expect(entra.isValidRefreshToken(stored!)).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(seeded);

    // The same config on the oldest supported Node: validate, then an access token (another rotation).
    const validated = await runInstalled(app, ["validate", "-c", join(app, "partnerd.yaml")], { node });
    expect(validated.code, validated.stderr).toBe(0);
    const token = await runInstalled(app, ["token", "pc", "-c", join(app, "partnerd.yaml")], {
      node,
      stdoutIsResult: true,
    });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim().split(".")).toHaveLength(3); // a JWT and nothing else
    const rotated = await storedToken(join(app, "secrets"));
    expect(rotated).not.toBe(stored);
    expect(entra.isValidRefreshToken(rotated!)).toBe(true);
  });

  it("npm install --global of the tarballs, as the README says, gives a partnerd that runs on the oldest Node", async () => {
    // The README's loop packs exactly what this test packs: the CLI's tarball needs every one of them.
    const readme = await readFile(join(packagesDir, "..", "README.md"), "utf8");
    expect(/^for p in ([^;]+); do/m.exec(readme)?.[1]?.split(" ")).toEqual([...PACKAGES]);
    const prefix = join(app, "global");
    const tarballs = (await readdir(join(app, "tarballs"))).map((file) => join(app, "tarballs", file));
    await run(
      "npm",
      ["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-fund", "--no-audit", ...tarballs],
      {
        timeout: 300_000,
      },
    );
    const bin = join(prefix, "lib", "node_modules", "partnerd", "bin", "partnerd.js");
    const result = await runPartnerd(["validate", "-c", join(app, "partnerd.yaml")], { bin, node });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("ok (1 profile: pc)");
  }, 300_000);
});
