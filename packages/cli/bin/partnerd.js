#!/usr/bin/env node
import * as nodeModule from "node:module";

// The oldest Node partnerd runs on (undici 8 declares >=22.19.0); the same value as engines.node in package.json.
const NODE_MIN = "22.19.0";
const [major, minor, patch] = process.versions.node.split(".").map(Number);
const [minMajor, minMinor, minPatch] = NODE_MIN.split(".").map(Number);
if ((major - minMajor || minor - minMinor || patch - minPatch) < 0) {
  process.stderr.write(`partnerd: needs Node.js ${NODE_MIN} or newer; this is ${process.versions.node}\n`);
  process.exit(2);
}
// Node's on-disk compile cache (type-stripped sources included) roughly halves start-up after the
// first run; it must be on before the program's modules load, hence the dynamic import.
nodeModule.enableCompileCache?.();
// An installed package runs its compiled JavaScript (Node strips no types under node_modules);
// the workspace runs the TypeScript sources directly.
const installed = import.meta.url.includes("/node_modules/");
await import(installed ? "../dist/main.js" : "../src/main.ts");
