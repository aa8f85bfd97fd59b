import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** `stateDir` from the config, else systemd's `$STATE_DIRECTORY`, else XDG's state folder. */
export function resolveStateDir(
  configured: string | undefined,
  configDir: string,
  env: NodeJS.ProcessEnv,
): string {
  if (configured !== undefined) return resolve(configDir, configured);
  const systemd = env.STATE_DIRECTORY?.split(":")[0];
  if (systemd) return resolve(systemd);
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, "partnerd");
  return join(env.HOME || homedir(), ".local", "state", "partnerd");
}
