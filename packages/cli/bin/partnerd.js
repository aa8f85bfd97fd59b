#!/usr/bin/env node
import * as nodeModule from "node:module";

// An installed package runs its compiled JavaScript (Node strips no types under node_modules);
// the workspace runs the TypeScript sources directly, which needs Node's type stripping.
const installed = import.meta.url.includes("/node_modules/");
const [major, minor] = process.versions.node.split(".").map(Number);
const needed = installed ? [22, 12] : [22, 18];
if (major < needed[0] || (major === needed[0] && minor < needed[1])) {
  process.stderr.write(
    `partnerd: needs Node.js ${needed.join(".")} or newer; this is ${process.versions.node}\n`,
  );
  process.exit(2);
}
// Node's on-disk compile cache (type-stripped sources included) roughly halves start-up after the
// first run; it must be on before the program's modules load, hence the dynamic import.
nodeModule.enableCompileCache?.();
await import(installed ? "../dist/main.js" : "../src/main.ts");
