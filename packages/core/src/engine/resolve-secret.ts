import type { PartnerdConfig, SecretSource } from "../config/types.ts";
import { ConfigError } from "../errors.ts";
import { Secret } from "../secret.ts";
import type { StoreRegistry } from "../stores/registry.ts";

/** Turns a config secret reference into its value; store references are read now, every time. */
export async function resolveSecret(
  source: SecretSource,
  stores: StoreRegistry,
  config: PartnerdConfig,
): Promise<Secret> {
  if (source.kind === "value") return source.secret;
  const stored = await stores.read(source.store, source.name);
  if (!stored?.value) {
    const problem = stored ? "is empty" : "does not exist";
    throw new ConfigError([
      {
        ...config.locate(source.configPath),
        message: `secret "${source.name}" in store "${source.store}" ${problem}`,
      },
    ]);
  }
  return new Secret(stored.value);
}
