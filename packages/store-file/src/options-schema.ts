/** The store's `options:` as JSON Schema, for editor completion in partnerd.yaml (checked for real when opened). */
export const fileOptionsSchema = {
  type: "object",
  description: "File store options.",
  properties: {
    dir: {
      type: "string",
      minLength: 1,
      description: "Folder holding one 0600 file per secret; relative to the config file.",
    },
  },
  required: ["dir"],
  additionalProperties: false,
};
