import { configSchemaWithBuiltinStores } from "../config-schema.ts";

export async function schemaCommand(): Promise<void> {
  process.stdout.write(await configSchemaWithBuiltinStores());
}
