/**
 * Writes `vendor/zod.js`, zod as one ES module, and `vendor/zod.d.ts`, its types (core imports zod as
 * `#zod`, see package.json `imports`). zod ships as ~95 modules: loading them is ~30 ms of every command
 * that reads a config (a fifth of `partnerd status`'s start-up), where one module of the same code
 * loads in ~12 ms. Runs on `pnpm install` (`prepare`); the packed package ships the result.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const core = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(core, "vendor");
const zodPackage = createRequire(join(core, "package.json")).resolve("zod/package.json");
const { version } = JSON.parse(await readFile(zodPackage, "utf8")) as { version: string };

await mkdir(vendor, { recursive: true });
await build({
  stdin: { contents: 'export * from "zod";', resolveDir: core, loader: "js" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  legalComments: "inline",
  banner: { js: `// zod ${version} (MIT, https://zod.dev) as one module, written by scripts/bundle-zod.ts.` },
  outfile: join(vendor, "zod.js"),
  logLevel: "warning",
});
await writeFile(
  join(vendor, "zod.d.ts"),
  `// The types of vendor/zod.js: zod ${version}'s own.\nexport * from "zod";\n`,
);
