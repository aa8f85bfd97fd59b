import { configJsonSchemaText, type StorePlugin } from "@partnerd/core";
import { builtinStores } from "./builtin-stores.ts";

/** The config's JSON Schema with the built-in stores' options, as shipped in `@partnerd/core/schema.json`. */
export async function configSchemaWithBuiltinStores(): Promise<string> {
  const storeOptions: Record<string, Record<string, unknown>> = {};
  for (const [name, load] of Object.entries(builtinStores)) {
    const plugin: StorePlugin = typeof load === "function" ? await load() : load;
    if (plugin.optionsSchema) storeOptions[name] = plugin.optionsSchema;
  }
  return configJsonSchemaText({ storeOptions });
}
