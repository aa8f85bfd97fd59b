import { resolve } from "node:path";
import {
  defineHook,
  type FileHookOptions,
  FileHookOptionsSchema,
  type HookContext,
  type RefreshedPayload,
  writeFileAtomic,
} from "@partnerd/core/plugin";
import { parseOptions } from "./options.ts";

interface FileState {
  path: string;
  format: FileHookOptions["format"];
  mode: number;
}

/**
 * Writes the fresh access token to a file after each refresh (like Vault Agent's file sink): the token
 * alone, or `{ token, expiry }` as JSON; atomically, with the configured mode (default 0600).
 */
const fileHook = defineHook<FileState>({
  apiVersion: 1,
  name: "file",
  setup(options, context) {
    const parsed = parseOptions(FileHookOptionsSchema, options);
    return {
      path: resolve(context.configDir, parsed.path),
      format: parsed.format,
      mode: Number.parseInt(parsed.mode, 8),
    };
  },
  handlers: { refreshed: write },
});

export default fileHook;

async function write(payload: RefreshedPayload, context: HookContext<FileState>): Promise<void> {
  const { state, accessToken } = context;
  if (!accessToken) {
    // A journal replay stores a token without redeeming it, and `hooks test` has none to give.
    context.logger.warn("no access token in this event; the file is left as it is", { path: state.path });
    return;
  }
  const content =
    state.format === "json"
      ? `${JSON.stringify({ token: accessToken.reveal(), expiry: payload.accessTokenExpiresAt })}\n`
      : accessToken.reveal();
  await writeFileAtomic(state.path, content, { mode: state.mode });
}
