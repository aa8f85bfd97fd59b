import { existsSync } from "node:fs";
import { connect } from "node:net";
import { daemonSocketPath, type PartnerdConfig } from "@partnerd/core";
import { type CheckResult, fail, pass } from "./check.ts";

/** `partnerd run`'s token socket: absent (no daemon), answering, or stale (left by a dead daemon). */
export async function checkDaemonSocket(config: PartnerdConfig): Promise<CheckResult> {
  const path = daemonSocketPath(config.stateDir);
  if (!existsSync(path)) return pass("daemon socket", `${path} absent: no partnerd run serves tokens here`);
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (e) => resolve(e));
  });
  if (!error) return pass("daemon socket", `${path}: a partnerd run answers`);
  if (error.code === "ECONNREFUSED") {
    return fail(
      "daemon socket",
      `${path} exists but nothing listens (a daemon died?); partnerd run replaces it`,
    );
  }
  return fail("daemon socket", `${path}: ${error.code ?? error.message}`);
}
