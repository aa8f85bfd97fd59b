import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PartnerdConfig, ProfileConfig, SecretSource } from "@partnerd/core";
import { type CheckResult, fail, pass, warn } from "./check.ts";

/**
 * The state folder (journal, status, default store) and the checked file stores' folders must be private to
 * partnerd's user, and so must every secret file the profiles read.
 */
export async function checkPermissions(
  config: PartnerdConfig,
  profiles: ProfileConfig[],
  storeIds: string[],
): Promise<CheckResult[]> {
  const results = [await checkPrivateDir("state folder", config.stateDir)];
  for (const storeId of storeIds) {
    const store = config.stores[storeId];
    if (store?.use !== "file" || typeof store.options.dir !== "string") continue;
    results.push(await checkPrivateDir(`store ${storeId} folder`, resolve(config.dir, store.options.dir)));
  }
  const files = new Set<string>();
  for (const profile of profiles) {
    for (const source of [
      profile.clientSecret,
      profile.clientCertificate?.certificate,
      profile.clientCertificate?.privateKey,
    ]) {
      const file = fileOf(source);
      if (file) files.add(file);
    }
  }
  for (const file of files) results.push(await checkPrivateFile(`secret file`, file));
  return results;
}

function fileOf(source: SecretSource | undefined): string | undefined {
  return source?.kind === "value" ? source.file : undefined;
}

async function checkPrivateDir(check: string, dir: string): Promise<CheckResult> {
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = await stat(dir));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return warn(check, `${dir} does not exist yet (created at the first refresh)`);
    return fail(check, `${dir}: ${code}`);
  }
  const problems = [...modeProblems(dir, mode), ...ownerProblems(dir, uid)];
  for (const entry of await readdir(dir, { recursive: true }).catch(() => [])) {
    const path = join(dir, String(entry));
    const info = await stat(path).catch(() => undefined);
    if (info) problems.push(...modeProblems(path, info.mode));
  }
  return problems.length === 0
    ? pass(check, `${dir} is private (${octal(mode)})`)
    : fail(check, problems.join("; "));
}

async function checkPrivateFile(check: string, file: string): Promise<CheckResult> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return fail(check, `${file} cannot be read`);
  const problems = [...modeProblems(file, info.mode), ...ownerProblems(file, info.uid)];
  return problems.length === 0
    ? pass(check, `${file} is private (${octal(info.mode)})`)
    : fail(check, problems.join("; "));
}

function modeProblems(path: string, mode: number): string[] {
  if ((mode & 0o077) === 0) return [];
  return [`${path} is ${octal(mode)}: group or others may access it (chmod go= ${path})`];
}

function ownerProblems(path: string, uid: number): string[] {
  const me = process.getuid?.();
  // systemd's LoadCredential= files are root's and readable by the service: not a problem.
  if (me === undefined || uid === me || uid === 0) return [];
  return [`${path} belongs to uid ${uid}, not to partnerd's user (uid ${me})`];
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
