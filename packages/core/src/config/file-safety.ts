import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { ProfileRule, Rule } from "./rules.ts";
import { resolveStateDir } from "./state-dir.ts";

/**
 * Profile names name files in the state folder (`status/<name>.json`, journal temp files add about
 * 25 characters); most file systems stop at 255 bytes.
 */
export const MAX_PROFILE_NAME_LENGTH = 100;

/** Names that the stores and the state folder would later turn into `ENAMETOOLONG` or a path outside. */
export const safeNames: ProfileRule = {
  profiles:
    ({ error }) =>
    (name, _profile, locations) => {
      if (name.length > MAX_PROFILE_NAME_LENGTH) {
        error(
          ["profiles", name],
          `profile name is ${name.length} characters; at most ${MAX_PROFILE_NAME_LENGTH} (it names files in the state folder)`,
        );
      }
      for (const location of locations) {
        const secretName = location.name;
        if (secretName === undefined) continue;
        if (
          isAbsolute(secretName) ||
          secretName.startsWith("\\") ||
          /(^|[/\\])\.\.([/\\]|$)/.test(secretName)
        ) {
          error(
            [...location.path, "name"],
            `"${secretName}" is a path; expected a secret name (no leading "/", no ".." segments)`,
          );
        }
      }
    },
};

/** `stateDir` must be a folder (or not exist yet, with a folder as its nearest existing parent). */
export const stateDirIsAFolder: Rule = async ({ config, dir, env, error }) => {
  if (config.stateDir === undefined) return;
  const path = resolveStateDir(config.stateDir, dir, env);
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => e.code);
  if (info === "ENOTDIR") error(["stateDir"], `${path} is inside a file, not a folder`);
  else if (typeof info === "object" && !info.isDirectory())
    error(["stateDir"], `${path} is a file, not a folder`);
};
