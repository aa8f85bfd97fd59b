/**
 * Writes `vendor/zod.js`, the part of zod that core uses as one ES module, and `vendor/zod.d.ts`, its
 * types (core imports it as `import * as z from "#zod"`, see package.json `imports`). Core writes its
 * schemas with `zod/mini`, zod's functional API on the same engine as `zod` (the same checks, issues and
 * JSON Schema), so that esbuild can leave out what core does not call: loading all of zod (~95 modules, or
 * ~750 KB as one module, most of it building classes and registries at import) was ~25 ms of every
 * command that reads a config; these ~130 KB load in ~3 ms. Objects keep `zod`'s compiled fast path
 * (`zod-strict-object.ts`). Runs on `pnpm install` (`prepare`); the packed package ships the result.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** What core's schemas use; a name missing here fails `tsc` (the types list the same names). */
const ZOD_FUNCTIONS = [
  "_default",
  "array",
  "boolean",
  "enum",
  "extend",
  "globalRegistry",
  "gte",
  "int",
  "literal",
  "lte",
  "minLength",
  "number",
  "optional",
  "positive",
  "prefault",
  "record",
  "refine",
  "regex",
  "strictObject",
  "string",
  "superRefine",
  "toJSONSchema",
  "union",
  "unknown",
  "url",
] as const;

/** Types only: nothing at run time. */
const ZOD_TYPES = ["core", "infer", "input", "output", "ZodMiniObject", "ZodMiniType"] as const;

const core = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(core, "vendor");
const zodPackage = createRequire(join(core, "package.json")).resolve("zod/package.json");
const { version } = JSON.parse(await readFile(zodPackage, "utf8")) as { version: string };
const functions = `export { ${ZOD_FUNCTIONS.join(", ")} } from "zod/mini";`;
/** The same names, with `strictObject` on zod's compiled fast path; the types stay zod/mini's. */
const bundled = `export { ${ZOD_FUNCTIONS.filter((name) => name !== "strictObject").join(", ")} } from "zod/mini";
export { strictObject } from "./scripts/zod-strict-object.ts";`;

await mkdir(vendor, { recursive: true });
await build({
  // Paths in the bundle's comments are relative to this: the same bundle whatever the working folder.
  absWorkingDir: core,
  stdin: {
    // zod/mini leaves the messages to a locale: English, as `zod` itself sets it, so that each issue
    // reads as it did before (some reach users through the config errors).
    contents: `import { config } from "zod/mini";\nimport en from "zod/v4/locales/en.js";\nconfig(en());\n${bundled}\n`,
    resolveDir: core,
    loader: "js",
  },
  bundle: true,
  treeShaking: true,
  format: "esm",
  platform: "node",
  target: "node22",
  legalComments: "inline",
  banner: {
    js: `// zod ${version} (MIT, https://zod.dev): what core uses, written by scripts/bundle-zod.ts.`,
  },
  outfile: join(vendor, "zod.js"),
  logLevel: "warning",
});
await writeFile(
  join(vendor, "zod.d.ts"),
  `// The types of vendor/zod.js: zod ${version}'s own (zod/mini).\n${functions}\nexport type { ${ZOD_TYPES.join(", ")} } from "zod/mini";\n`,
);
