import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../src/config/json-schema.ts";

describe("the config JSON Schema", () => {
  it("describes the config as written: defaults optional, unknown keys rejected, no $id without a real URL", () => {
    const schema = configJsonSchema() as {
      $id?: string;
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: {
        profiles: {
          additionalProperties: { required: string[]; properties: { environment: { enum: string[] } } };
        };
      };
    };
    expect(schema.$id).toBeUndefined();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(["profiles"]);
    expect(schema.additionalProperties).toBe(false);
    // applicationId and scopes may come from a module, so the rules (not the schema) require them.
    expect(schema.properties.profiles.additionalProperties.required).toBeUndefined();
    expect(schema.properties.profiles.additionalProperties.properties.environment.enum).not.toContain(
      "AzureGermanCloud",
    );
  });
});
