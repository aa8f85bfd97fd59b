import { ConfigError, type ConfigIssue } from "../errors.ts";
import type { Secret } from "../secret.ts";
import { resolveSecretRef } from "./resolve-secrets.ts";
import { SecretRefSchema } from "./secret-ref.ts";
import type { PartnerdConfig } from "./types.ts";

/**
 * Resolves `{ env }` / `{ file }` inside a plugin's options (`optionsPath` is where they sit, e.g.
 * `stores.vault.options`), with errors located in the config file. Store references are refused: they
 * would make plugins depend on stores being open.
 */
export async function resolveOptionSecret(
  config: PartnerdConfig,
  optionsPath: readonly string[],
  reference: unknown,
  optionPath: string,
): Promise<Secret> {
  const path = [...optionsPath, ...optionPath.split(".")];
  const fail = (message: string): never => {
    throw new ConfigError([{ ...config.locate(path.join(".")), message }]);
  };
  const parsed = SecretRefSchema.safeParse(reference);
  if (!parsed.success || "store" in parsed.data) fail("expected { env: NAME } or { file: PATH }");
  const issues: ConfigIssue[] = [];
  const source = await resolveSecretRef(SecretRefSchema.parse(reference), path, {
    dir: config.dir,
    env: process.env,
    error: (at, message) => issues.push({ ...config.locate(at.join(".")), message }),
  });
  if (issues.length > 0) throw new ConfigError(issues);
  if (source?.kind !== "value") return fail("expected { env: NAME } or { file: PATH }");
  return source.secret;
}
