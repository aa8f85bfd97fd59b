import { z } from "zod";
import { BUILTIN_HOOK_OPTIONS } from "./hook-options.ts";
import { HookBaseSchema, HookSchema, PartnerdConfigSchema } from "./schema.ts";

/** Where the published schema can be fetched: the file shipped in the npm package. */
export const CONFIG_SCHEMA_ID = "https://unpkg.com/@partnerd/core/schema/partnerd.schema.json";

/**
 * The config file's JSON Schema (draft 2020-12), for editor completion and validation: point
 * `$schema:` (or a `# yaml-language-server: $schema=…` comment) at it. Describes what may be
 * written, so defaults are optional. Checks the schema cannot express (cron syntax, time zones,
 * cross-field rules, secret references) happen only in `loadConfig`.
 */
export function configJsonSchema(): Record<string, unknown> {
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
  });
  schema.$defs = { ...(schema.$defs as Record<string, unknown> | undefined), hook: hookJsonSchema() };
  return {
    $schema,
    $id: CONFIG_SCHEMA_ID,
    title: "partnerd configuration",
    description:
      "Profiles whose Microsoft Entra ID refresh tokens partnerd keeps alive, the secret stores they live in, and network settings.",
    ...schema,
  };
}

/** {@link configJsonSchema} as the text of `schema/partnerd.schema.json`. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** A hook entry: the built-ins with their options spelled out, or any other `use:` with free options. */
function hookJsonSchema(): Record<string, unknown> {
  const toJson = (schema: z.ZodType) => {
    const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
    return json;
  };
  const builtins = Object.entries(BUILTIN_HOOK_OPTIONS).map(([use, options]) =>
    toJson(HookBaseSchema.extend({ use: z.literal(use), options })),
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
