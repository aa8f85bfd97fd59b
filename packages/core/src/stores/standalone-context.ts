import { resolveSecretRef, secretEnvironmentNames } from "../config/resolve-secrets.ts";
import { SecretRefSchema } from "../config/secret-ref.ts";
import { PartnerdError } from "../errors.ts";
import { type Logger, silentLogger } from "../log/logger.ts";
import type { StoreContext } from "./contract.ts";

/** A `StoreContext` for using a store outside a loaded config: scripts, tests, seeding a token. */
export function standaloneStoreContext(options: {
  configDir: string;
  storeId?: string;
  stateDir?: string;
  logger?: Logger;
}): StoreContext {
  const storeId = options.storeId ?? "store";
  return {
    storeId,
    configDir: options.configDir,
    stateDir: options.stateDir ?? options.configDir,
    logger: options.logger ?? silentLogger,
    secretEnvironmentNames,
    async resolveSecret(reference, optionPath) {
      const parsed = SecretRefSchema.safeParse(reference);
      const problems: string[] = [];
      const source =
        parsed.success && !("store" in parsed.data)
          ? await resolveSecretRef(parsed.data, [optionPath], {
              dir: options.configDir,
              env: process.env,
              error: (_path, message) => problems.push(message),
            })
          : undefined;
      if (source?.kind !== "value") {
        const problem = problems[0] ?? "expected { env: NAME } or { file: PATH }";
        throw new PartnerdError("STORE_OPTIONS", `stores.${storeId}.options.${optionPath}: ${problem}`, {
          exitCode: 2,
        });
      }
      return source.secret;
    },
  };
}
