import { configJsonSchema } from "@partnerd/core";

export function schemaCommand(): void {
  process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
}
