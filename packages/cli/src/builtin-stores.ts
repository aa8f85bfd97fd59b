import type { StorePlugin } from "@partnerd/core";
import fileStore from "@partnerd/store-file";

/** Stores a config can name in `use:` without installing anything. */
export const builtinStores: Readonly<Record<string, StorePlugin>> = { file: fileStore };
