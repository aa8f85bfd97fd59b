import { HookOptionsError } from "@partnerd/core/plugin";

/** The part of a zod schema used here (core exports the built-ins' schemas). */
interface OptionsSchema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** `options` checked against a built-in's schema; the first problem is thrown naming its key. */
export function parseOptions<T>(schema: OptionsSchema<T>, options: Record<string, unknown>): T {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new HookOptionsError(issue.path.map(String).join("."), issue.message);
}
