import type { BuiltinHooks } from "@partnerd/core/config";

/** Hooks a config can name in `use:` without installing anything. */
export const builtinHooks: BuiltinHooks = {
  exec: async () => (await import("@partnerd/hooks-builtin/exec")).default,
  webhook: async () => (await import("@partnerd/hooks-builtin/webhook")).default,
  file: async () => (await import("@partnerd/hooks-builtin/file")).default,
};
