import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE } from "../../scripts/write-schema.ts";
import { CONFIG_SCHEMA_ID, configJsonSchema, configJsonSchemaText } from "../../src/config/json-schema.ts";

describe("the published JSON Schema", () => {
  it("is in sync with the zod schema (run `node packages/core/scripts/write-schema.ts` to update)", async () => {
    expect(await readFile(SCHEMA_FILE, "utf8")).toBe(configJsonSchemaText());
  });

  it("describes the config as written: defaults optional, unknown keys rejected", () => {
    const schema = configJsonSchema() as {
      $id: string;
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: { profiles: { additionalProperties: { required: string[] } } };
    };
    expect(schema.$id).toBe(CONFIG_SCHEMA_ID);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(["profiles"]);
    expect(schema.additionalProperties).toBe(false);
    // applicationId and scopes may come from a module, so the rules (not the schema) require them.
    expect(schema.properties.profiles.additionalProperties.required).toBeUndefined();
  });
});
