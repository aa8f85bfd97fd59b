import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { storeConformance } from "@partnerd/testkit";
import { it } from "vitest";
import { createExecStore } from "../src/index.js";

// The real thing: every check spawns `node helpers/json-file.js <file> get|store` per call.
const dir = mkdtempSync(join(tmpdir(), "partnerd-store-exec-"));
const helper = fileURLToPath(new URL("../helpers/json-file.js", import.meta.url));

storeConformance(it, () =>
  createExecStore(
    { command: [process.execPath, helper, "./secrets.json"] },
    { storeId: "conformance", configDir: dir },
  ),
);
