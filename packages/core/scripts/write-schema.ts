/**
 * Writes the config JSON Schema that ships with the package: `node packages/core/scripts/write-schema.ts`.
 * A test fails when the file is out of date.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { configJsonSchemaText } from "../src/config/json-schema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../schema/partnerd.schema.json", import.meta.url));

if (import.meta.main) {
  await writeFile(SCHEMA_FILE, configJsonSchemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
