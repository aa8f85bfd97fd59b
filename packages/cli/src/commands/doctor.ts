import { ConfigError, type PartnerdConfig, PartnerdError } from "@partnerd/core";
import { builtinStores } from "../builtin-stores.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { type CheckResult, fail, pass } from "../doctor/check.ts";
import { checkDaemonSocket } from "../doctor/daemon-socket.ts";
import { checkIdentityProviders } from "../doctor/identity-provider.ts";
import { checkLocks } from "../doctor/locks.ts";
import { checkPermissions } from "../doctor/permissions.ts";
import { checkStores } from "../doctor/stores.ts";

export interface DoctorOptions extends GlobalOptions {
  json?: boolean;
}

/**
 * Live checks, each with a verdict: the config, each authority's discovery document over TLS, clock
 * skew, a round trip through each store, permissions, the daemon socket. Exit 0 only when none fails.
 */
export async function doctorCommand(profileName: string | undefined, options: DoctorOptions): Promise<void> {
  const logger = loggerFor(options, { stream: "stderr", defaultLevel: "warn" });
  const results: CheckResult[] = [];
  let config: PartnerdConfig | undefined;
  try {
    config = await loadConfigFor(options, logger);
    results.push(pass("config", `${config.file}: ${Object.keys(config.profiles).length} profile(s) valid`));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    results.push(fail("config", error.message));
  }
  if (config) {
    const profiles = profileName ? [profileOf(config, profileName)] : Object.values(config.profiles);
    const storeIds = profileName
      ? [...new Set(profiles.flatMap((p) => p.refreshToken.map((l) => l.store)))]
      : Object.keys(config.stores);
    results.push(...(await checkIdentityProviders(config, profiles)));
    results.push(...(await checkStores(config, storeIds, builtinStores, logger)));
    results.push(...(await checkPermissions(config, profiles, storeIds)));
    results.push(await checkDaemonSocket(config));
    results.push(...(await checkLocks(config, profiles)));
  }
  process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : table(results));
  if (!config) process.exitCode = 2;
  else if (results.some((r) => r.verdict === "fail")) process.exitCode = 1;
}

function profileOf(config: PartnerdConfig, name: string) {
  const profile = config.profiles[name];
  if (profile) return profile;
  throw new PartnerdError(
    "PROFILE_UNKNOWN",
    `no profile "${name}" in ${config.file} (profiles: ${Object.keys(config.profiles).join(", ") || "none"})`,
    { exitCode: 2 },
  );
}

const LABEL = { pass: "ok  ", warn: "WARN", fail: "FAIL" } as const;

function table(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  const lines = results.map((r) => `${LABEL[r.verdict]}  ${r.check.padEnd(width)}  ${r.detail}`);
  const failed = results.filter((r) => r.verdict === "fail").length;
  lines.push(failed === 0 ? "all checks passed" : `${failed} check(s) failed`);
  return `${lines.join("\n")}\n`;
}
