import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeConformance } from "@partnerd/testkit";
import { it } from "vitest";
import { createFileStore } from "../src/index.ts";

const dir = join(mkdtempSync(join(tmpdir(), "partnerd-store-file-")), "secrets");
storeConformance(it, () => createFileStore({ dir }));
