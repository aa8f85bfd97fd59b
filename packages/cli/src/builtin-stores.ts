import type { StorePlugin } from "@partnerd/core";
import awsStore from "@partnerd/store-aws";
import fileStore from "@partnerd/store-file";
import keyVaultStore from "@partnerd/store-keyvault";

/** Stores a config can name in `use:` without installing anything. */
export const builtinStores: Readonly<Record<string, StorePlugin>> = {
  file: fileStore,
  keyvault: keyVaultStore,
  aws: awsStore,
};
