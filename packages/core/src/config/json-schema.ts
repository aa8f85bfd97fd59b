import * as z from "#zod";
import { BUILTIN_HOOK_OPTIONS } from "./hook-options.ts";
import { HookBaseSchema, HookSchema, PartnerdConfigSchema } from "./schema.ts";

export interface ConfigJsonSchemaOptions {
  /** JSON Schemas of the built-in stores' `options`, by their `use:` name (`file`, `keyvault`, `aws`). */
  storeOptions?: Readonly<Record<string, Record<string, unknown>>>;
}

type JsonObject = Record<string, unknown>;

/**
 * The config file's JSON Schema (draft 2020-12), for editor completion and validation: point
 * `$schema:` (or a `# yaml-language-server: $schema=…` comment) at the file shipped as
 * `@partnerd/core/schema.json`. Describes what may be written, so defaults are optional. Checks the
 * schema cannot express (cron syntax, time zones, cross-field rules, secret references) happen only in
 * `loadConfig`. No `$id`: the schema has no published URL of its own yet.
 */
export function configJsonSchema(options: ConfigJsonSchemaOptions = {}): JsonObject {
  const { $schema, ...schema } = z.toJSONSchema(PartnerdConfigSchema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema !== HookSchema) return;
      for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
      // Defined once: global and per-profile `hooks:` share it.
      jsonSchema.$ref = "#/$defs/hook";
    },
  }) as JsonObject;
  schema.$defs = { ...(schema.$defs as JsonObject | undefined), hook: hookJsonSchema() };
  const profile = child(schema, "properties", "profiles", "additionalProperties");
  const environment = child(profile, "properties", "environment");
  // The config accepts AzureGermanCloud only to explain that it closed; an editor should refuse it.
  environment.enum = (environment.enum as string[]).filter((name) => name !== "AzureGermanCloud");
  const store = child(schema, "properties", "stores", "additionalProperties");
  const builtins = Object.entries(options.storeOptions ?? {});
  if (builtins.length > 0) {
    child(store, "properties", "use").examples = builtins.map(([name]) => name);
    store.allOf = builtins.map(([name, optionsSchema]) => ({
      if: { properties: { use: { const: name } }, required: ["use"] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, never awaited
      then: { properties: { options: optionsSchema } },
    }));
  }
  return {
    $schema,
    title: "partnerd configuration",
    description:
      "Profiles whose Microsoft Entra ID refresh tokens partnerd keeps alive, the secret stores they live in, and network settings.",
    ...schema,
  };
}

/** {@link configJsonSchema} as the text of `schema/partnerd.schema.json`. */
export function configJsonSchemaText(options: ConfigJsonSchemaOptions = {}): string {
  return `${JSON.stringify(configJsonSchema(options), null, 2)}\n`;
}

function child(node: JsonObject, ...path: string[]): JsonObject {
  let at = node;
  for (const key of path) {
    const next = at[key];
    if (typeof next !== "object" || next === null) throw new Error(`JSON Schema has no ${path.join(".")}`);
    at = next as JsonObject;
  }
  return at;
}

/** A hook entry: the built-ins with their options spelled out, or any other `use:` with free options. */
function hookJsonSchema(): Record<string, unknown> {
  const toJson = (schema: z.core.$ZodType) => {
    const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
    return json;
  };
  const builtins = Object.entries(BUILTIN_HOOK_OPTIONS).map(([use, options]) =>
    toJson(z.extend(HookBaseSchema, { use: z.literal(use), options })),
  );
  const names = Object.keys(BUILTIN_HOOK_OPTIONS);
  const other = toJson(HookBaseSchema);
  (other.properties as Record<string, unknown>).use = {
    type: "string",
    minLength: 1,
    not: { enum: names },
    description: "A package name or path exporting a hook plugin.",
  };
  return { anyOf: [...builtins, other] };
}
