import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { MODULE_PRESETS } from "../identity/modules.ts";
import { safeNames, stateDirIsAFolder } from "./file-safety.ts";
import { describeReadError } from "./find.ts";
import type { ConfigPath } from "./locate.ts";
import { DEFAULT_STORE_ID } from "./schema.ts";
import { type CheckedConfig, type CheckedProfile, profileEntries } from "./validate.ts";

export interface RuleContext {
  config: CheckedConfig;
  /** Folder of the config file. */
  dir: string;
  env: NodeJS.ProcessEnv;
  error(path: ConfigPath, message: string): void;
  warn(path: ConfigPath, message: string): void;
}

/** A check across fields, run after the schema. Rules report; they never throw for a config problem. */
export type Rule = (ctx: RuleContext) => void | Promise<void>;

export interface LocatedTokenLocation {
  store: string;
  /** `undefined` when the profile's name is used. */
  name: string | undefined;
  takeover: boolean;
  path: ConfigPath;
}

/** A profile's refresh-token locations with the path each was written at. */
export function tokenLocationsOf(profileName: string, profile: CheckedProfile): LocatedTokenLocation[] {
  const base = ["profiles", profileName, "refreshToken"];
  const written = profile.refreshToken;
  // App-only tokens come with no refresh token: nothing is stored for them.
  if (written === undefined || profile.flow === "client-credentials") return [];
  const located = (
    location: { store: string; name?: string | undefined; takeover?: boolean | undefined },
    path: ConfigPath,
  ) => ({
    store: location.store,
    name: location.name,
    takeover: location.takeover === true,
    path,
  });
  if (!Array.isArray(written)) return [located(written, base)];
  return written.map((location, i) => located(location, [...base, i]));
}

function definedStores(config: CheckedConfig): string[] {
  return [...new Set([DEFAULT_STORE_ID, ...config.storeIds])].sort();
}

const environmentOrAuthority: Rule = ({ config, error }) => {
  for (const [name, profile] of profileEntries(config)) {
    if (profile.environment !== undefined && profile.authority !== undefined) {
      error(["profiles", name, "authority"], "set either environment or authority, not both");
    }
  }
};

const knownStores: Rule = ({ config, error }) => {
  const defined = definedStores(config);
  const unknown = (store: string) => `unknown store "${store}" (defined: ${defined.join(", ")})`;
  for (const [name, profile] of profileEntries(config)) {
    for (const location of tokenLocationsOf(name, profile)) {
      if (!defined.includes(location.store)) error([...location.path, "store"], unknown(location.store));
    }
    const references = [
      [["clientSecret"], profile.clientSecret],
      [["clientCertificate", "certificate"], profile.clientCertificate?.certificate],
      [["clientCertificate", "privateKey"], profile.clientCertificate?.privateKey],
    ] as const;
    for (const [path, reference] of references) {
      if (reference && "store" in reference && !defined.includes(reference.store)) {
        error(["profiles", name, ...path, "store"], unknown(reference.store));
      }
    }
  }
};

const distinctTokenLocations: Rule = ({ config, error }) => {
  const owners = new Map<string, string>();
  for (const [name, profile] of profileEntries(config)) {
    const own = new Set<string>();
    for (const location of tokenLocationsOf(name, profile)) {
      const secretName = location.name ?? name;
      const key = `${location.store}\u0000${secretName}`;
      const where = `store "${location.store}", name "${secretName}"`;
      if (own.has(key)) {
        error(location.path, `${where} is listed twice`);
        continue;
      }
      own.add(key);
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, name);
      else
        error(
          location.path,
          `${where} already holds profile ${owner}'s refresh token; the two would overwrite each other`,
        );
    }
  }
};

const TENANTLESS = new Set(["organizations", "common", "consumers"]);

/** What a profile must say given its flow, module and credentials. */
const profileShape: Rule = ({ config, error }) => {
  for (const [name, profile] of profileEntries(config)) {
    const at = (...path: string[]) => ["profiles", name, ...path];
    const rejected = (field: string) => config.rejected.has(`profiles.${name}.${field}`);
    // Not a mapping at all: the schema said so; anything more would be noise.
    if (config.rejected.has(`profiles.${name}`)) continue;
    // A credential the schema rejected was still written: do not also call it missing.
    const confidential =
      profile.clientSecret !== undefined ||
      profile.clientCertificate !== undefined ||
      rejected("clientSecret") ||
      rejected("clientCertificate");
    if (profile.module !== undefined) {
      const preset = MODULE_PRESETS[profile.module];
      const fixed = `module ${profile.module} fixes it to`;
      if (
        profile.applicationId !== undefined &&
        profile.applicationId.toLowerCase() !== preset.applicationId
      ) {
        error(at("applicationId"), `conflicts with the module: ${fixed} ${preset.applicationId}; remove it`);
      }
      if (profile.scopes !== undefined && profile.scopes.join(" ") !== preset.scopes.join(" ")) {
        error(at("scopes"), `conflicts with the module: ${fixed} ${preset.scopes.join(" ")}; remove it`);
      }
      if (confidential) {
        const key = profile.clientSecret !== undefined ? "clientSecret" : "clientCertificate";
        error(at(key), `module ${profile.module} signs in with a public client; remove ${key}`);
      }
      if (profile.consent === "authorization-code") {
        error(at("consent"), `module ${profile.module} consents with device-code`);
      }
      if (profile.flow === "client-credentials") {
        error(at("module"), "modules sign in a user; they do not work with flow: client-credentials");
      }
    } else if (!rejected("module")) {
      if (profile.applicationId === undefined && !rejected("applicationId")) {
        error(at("applicationId"), "is required (or a module such as ExchangeOnline)");
      }
      if (profile.scopes === undefined && !rejected("scopes")) {
        error(at("scopes"), "is required (or a module such as ExchangeOnline)");
      }
    }
    if (profile.clientSecret !== undefined && profile.clientCertificate !== undefined) {
      error(at("clientCertificate"), "set either clientSecret or clientCertificate, not both");
    }
    if (profile.consent === "device-code" && confidential) {
      error(
        at("consent"),
        "device-code consent needs a public client (no clientSecret or clientCertificate); use authorization-code",
      );
    }
    if (profile.flow === "client-credentials") {
      if (!confidential) error(at("flow"), "client-credentials needs clientSecret or clientCertificate");
      if (profile.tenant !== undefined && TENANTLESS.has(profile.tenant.toLowerCase())) {
        error(
          at("tenant"),
          `client-credentials needs a tenant id or domain${profile.tenant === "organizations" ? "" : `, not "${profile.tenant}"`}`,
        );
      }
      if (profile.consent !== undefined) error(at("consent"), "client-credentials has no user consent");
      const scopes = profile.scopes ?? [];
      if (scopes.length > 0 && (scopes.length !== 1 || !scopes[0]!.endsWith("/.default"))) {
        error(
          at("scopes"),
          'client-credentials takes one scope ending in "/.default", e.g. https://graph.microsoft.com/.default',
        );
      }
    }
    if (profile.environment === "AzureGermanCloud") {
      error(
        at("environment"),
        "AzureGermanCloud (Microsoft Cloud Deutschland) closed in October 2021; its tenants moved to AzureCloud",
      );
    }
    if (profile.protocol !== undefined && profile.authority === undefined) {
      error(at("protocol"), "only applies with `authority` (the identity provider's URL)");
    }
  }
};

const retryDelays: Rule = ({ config, error }) => {
  for (const [name, profile] of profileEntries(config)) {
    const retry = profile.retry;
    if (retry && retry.initialDelayMs > retry.maxDelayMs) {
      error(["profiles", name, "retry", "initialDelayMs"], `is larger than maxDelayMs (${retry.maxDelayMs})`);
    }
  }
};

const expiringBeforeInactive: Rule = ({ config, error }) => {
  for (const [name, profile] of profileEntries(config)) {
    const { inactivityDays, expiringAfterDays } = profile;
    if (
      inactivityDays !== undefined &&
      expiringAfterDays !== undefined &&
      expiringAfterDays >= inactivityDays
    ) {
      error(
        ["profiles", name, "expiringAfterDays"],
        `must be less than inactivityDays (${inactivityDays}), or the token dies before the warning`,
      );
    }
  }
};

const MAX_CA_BYTES = 4 * 1024 * 1024;

const caFileReadable: Rule = async ({ config, dir, error }) => {
  const caFile = config.network.caFile;
  if (caFile === undefined) return;
  const path = ["network", "caFile"];
  const file = resolve(dir, caFile);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // stat before open: opening a FIFO would block until a writer appears.
    if (!(await stat(file)).isFile()) {
      error(path, `${file} is not a regular file`);
      return;
    }
    handle = await open(file, "r");
    const stats = await handle.stat();
    if (!stats.isFile()) {
      error(path, `${file} is not a regular file`);
    } else if (stats.size > MAX_CA_BYTES) {
      error(path, `${file} is larger than 4 MiB; is it a CA bundle?`);
    } else if (!(await handle.readFile("utf8")).includes("-----BEGIN CERTIFICATE-----")) {
      error(path, `${file} holds no PEM certificate`);
    }
  } catch (cause) {
    error(path, `cannot read ${file} (${describeReadError(cause)})`);
  } finally {
    await handle?.close();
  }
};

const scheduled: Rule = ({ config, warn }) => {
  for (const [name, profile] of profileEntries(config)) {
    if (profile.schedule !== undefined || config.rejected.has(`profiles.${name}.schedule`)) continue;
    warn(["profiles", name], "has no schedule; `partnerd run` will not refresh it");
  }
};

const managedIdentityProfile: Rule = ({ config, error }) => {
  const profile = config.parsed?.server.managedIdentity?.profile;
  if (profile === undefined || Object.hasOwn(config.profiles, profile)) return;
  const known = Object.keys(config.profiles).join(", ") || "none";
  error(["server", "managedIdentity", "profile"], `no profile "${profile}" (profiles: ${known})`);
};

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = [
  environmentOrAuthority,
  profileShape,
  knownStores,
  distinctTokenLocations,
  retryDelays,
  expiringBeforeInactive,
  caFileReadable,
  scheduled,
  managedIdentityProfile,
  safeNames,
  stateDirIsAFolder,
];

export async function runRules(ctx: RuleContext, rules: readonly Rule[] = RULES): Promise<void> {
  for (const rule of rules) await rule(ctx);
}
