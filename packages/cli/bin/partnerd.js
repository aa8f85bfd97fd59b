#!/usr/bin/env node
import * as nodeModule from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`partnerd: needs Node.js 22.12 or newer; this is ${process.versions.node}\n`);
  process.exit(2);
}
// Node's on-disk compile cache (type-stripped sources included) roughly halves start-up after the
// first run; it must be on before the program's modules load, hence the dynamic import.
nodeModule.enableCompileCache?.();
// An installed package runs its compiled JavaScript (Node strips no types under node_modules);
// the workspace runs the TypeScript sources directly.
const installed = import.meta.url.includes("/node_modules/");
await import(installed ? "../dist/main.js" : "../src/main.ts");
