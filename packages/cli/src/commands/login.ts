import { UsageError } from "@partnerd/core";
import { parsePortRange, runConsent } from "../consent.ts";
import { type GlobalOptions, loadConfigFor, loggerFor } from "../context.ts";
import { openCommandRuntime } from "../open-runtime.ts";

export interface LoginOptions extends GlobalOptions {
  deviceCode?: boolean;
  browser?: boolean;
  ports?: string;
}

/**
 * A person consents (browser or device code) and the refresh token goes to the profile's stores through
 * the same durable path as a rotation. Prints what was stored and when it dies if never used.
 */
export async function loginCommand(profileName: string, options: LoginOptions): Promise<void> {
  // Readable lines even when stderr is not a terminal: they sit among the sign-in instructions meant for
  // a person, where JSON lines would be noise. --log-format json still gives JSON.
  const logger = loggerFor(options, { stream: "stderr", defaultFormat: "pretty" });
  const config = await loadConfigFor(options, logger);
  const runtime = await openCommandRuntime(config, logger, `partnerd login ${profileName}`);
  try {
    const profile = runtime.engine.profile(profileName);
    if (profile.flow === "client-credentials") {
      throw new UsageError(`profile "${profile.name}" uses client-credentials: there is no user to consent`);
    }
    const credential = await runtime.engine.credential(profile.name);
    const token = await runConsent(runtime.identity, profile, credential, {
      method: options.deviceCode ? "device-code" : profile.consent,
      noBrowser: options.browser === false,
      ports: options.ports === undefined ? undefined : parsePortRange(options.ports),
    });
    const outcome = await runtime.engine.adopt(profile.name, token);
    if (outcome.status !== "refreshed") {
      process.exitCode = outcome.status === "failed" ? outcome.exitCode : 1;
      return;
    }
    const { event } = outcome;
    const where = event.locations.map((l) => `${l.store}:${l.name} (version ${l.version})`).join(", ");
    process.stdout.write(
      `Signed in${token.account ? ` as ${token.account.username}` : ""}. Stored refresh token ${event.fingerprint} for profile "${profile.name}" in ${where}.\n` +
        `It expires if unused by ${event.expiresByInactivityAt.toISOString()}; ${profile.schedule ? `"partnerd run" redeems it on schedule ${profile.schedule}` : 'give the profile a schedule so that "partnerd run" keeps it alive'}.\n`,
    );
  } finally {
    await runtime.close();
  }
}
