/**
 * Writes the config JSON Schema that @partnerd/core ships (`@partnerd/core/schema.json`), with the
 * built-in stores' options: `node packages/cli/scripts/write-schema.ts`. A test fails when it is out of date.
 * It lives here because the built-in stores are the CLI's dependencies, not core's.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { configSchemaWithBuiltinStores } from "../src/config-schema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../../core/schema/partnerd.schema.json", import.meta.url));

if (import.meta.main) {
  await writeFile(SCHEMA_FILE, await configSchemaWithBuiltinStores());
  console.log(`wrote ${SCHEMA_FILE}`);
}
