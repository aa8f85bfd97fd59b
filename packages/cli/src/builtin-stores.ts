import type { BuiltinStores } from "@partnerd/core/config";

/** Stores a config can name in `use:` without installing anything; each SDK loads only when named. */
export const builtinStores: BuiltinStores = {
  file: async () => (await import("@partnerd/store-file")).default,
  keyvault: async () => (await import("@partnerd/store-keyvault")).default,
  aws: async () => (await import("@partnerd/store-aws")).default,
};
