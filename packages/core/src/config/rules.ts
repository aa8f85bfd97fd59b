import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { MODULE_PRESETS } from "../identity/modules.ts";
import { safeNames, stateDirIsAFolder } from "./file-safety.ts";
import { describeReadError } from "./find.ts";
import type { ConfigPath } from "./locate.ts";
import { DEFAULT_STORE_ID } from "./schema.ts";
import type { SecretRef } from "./secret-ref.ts";
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

/** A check of one profile, with its refresh-token locations (see {@link tokenLocationsOf}). */
export type ProfileCheck = (
  name: string,
  profile: CheckedProfile,
  locations: readonly LocatedTokenLocation[],
) => void;

/**
 * A rule that looks at each profile on its own (plus state it keeps across them): every such rule
 * runs in one pass over the profiles. At 10,000 profiles, a loop per rule cost more than the checks.
 */
export interface ProfileRule {
  /** Called once per config; returns the check run for each profile. */
  profiles(ctx: RuleContext): ProfileCheck;
}

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

/** Whether the schema rejected the profile (no `field`) or one of its fields. */
function isRejected(config: CheckedConfig, profile: string, field?: string): boolean {
  if (config.rejected.size === 0) return false;
  return config.rejected.has(field === undefined ? `profiles.${profile}` : `profiles.${profile}.${field}`);
}

const environmentOrAuthority: ProfileRule = {
  profiles:
    ({ error }) =>
    (name, profile) => {
      if (profile.environment !== undefined && profile.authority !== undefined) {
        error(["profiles", name, "authority"], "set either environment or authority, not both");
      }
    },
};

/** The store a secret reference names when no store of that id is defined. */
function unknownStoreOf(reference: SecretRef | undefined, defined: readonly string[]): string | undefined {
  return reference && "store" in reference && !defined.includes(reference.store)
    ? reference.store
    : undefined;
}

const knownStores: ProfileRule = {
  profiles: ({ config, error }) => {
    const defined = definedStores(config);
    const unknown = (store: string) => `unknown store "${store}" (defined: ${defined.join(", ")})`;
    return (name, profile, locations) => {
      for (const location of locations) {
        if (!defined.includes(location.store)) error([...location.path, "store"], unknown(location.store));
      }
      const secretStore = unknownStoreOf(profile.clientSecret, defined);
      if (secretStore !== undefined) error(["profiles", name, "clientSecret", "store"], unknown(secretStore));
      const certificate = profile.clientCertificate;
      if (certificate === undefined) return;
      const certificateStore = unknownStoreOf(certificate.certificate, defined);
      if (certificateStore !== undefined) {
        error(["profiles", name, "clientCertificate", "certificate", "store"], unknown(certificateStore));
      }
      const keyStore = unknownStoreOf(certificate.privateKey, defined);
      if (keyStore !== undefined) {
        error(["profiles", name, "clientCertificate", "privateKey", "store"], unknown(keyStore));
      }
    };
  },
};

const distinctTokenLocations: ProfileRule = {
  profiles: ({ error }) => {
    /** Profile names by store, then by secret name. */
    const owners = new Map<string, Map<string, string>>();
    return (name, _profile, locations) => {
      // Only a profile with several locations can list one twice.
      const own = locations.length > 1 ? new Set<string>() : undefined;
      for (const location of locations) {
        const secretName = location.name ?? name;
        const where = () => `store "${location.store}", name "${secretName}"`;
        if (own) {
          const key = `${location.store}\u0000${secretName}`;
          if (own.has(key)) {
            error(location.path, `${where()} is listed twice`);
            continue;
          }
          own.add(key);
        }
        let byName = owners.get(location.store);
        if (!byName) {
          byName = new Map();
          owners.set(location.store, byName);
        }
        const owner = byName.get(secretName);
        if (owner === undefined) byName.set(secretName, name);
        else
          error(
            location.path,
            `${where()} already holds profile ${owner}'s refresh token; the two would overwrite each other`,
          );
      }
    };
  },
};

const TENANTLESS = new Set(["organizations", "common", "consumers"]);

/** What a profile must say given its flow, module and credentials. */
const profileShape: ProfileRule = {
  profiles:
    ({ config, error }) =>
    (name, profile) => {
      const at = (...path: string[]) => ["profiles", name, ...path];
      // Not a mapping at all: the schema said so; anything more would be noise.
      if (isRejected(config, name)) return;
      // A credential the schema rejected was still written: do not also call it missing.
      const confidential =
        profile.clientSecret !== undefined ||
        profile.clientCertificate !== undefined ||
        isRejected(config, name, "clientSecret") ||
        isRejected(config, name, "clientCertificate");
      if (profile.module !== undefined) {
        const preset = MODULE_PRESETS[profile.module];
        const fixed = `module ${profile.module} fixes it to`;
        if (
          profile.applicationId !== undefined &&
          profile.applicationId.toLowerCase() !== preset.applicationId
        ) {
          error(
            at("applicationId"),
            `conflicts with the module: ${fixed} ${preset.applicationId}; remove it`,
          );
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
      } else if (!isRejected(config, name, "module")) {
        if (profile.applicationId === undefined && !isRejected(config, name, "applicationId")) {
          error(at("applicationId"), "is required (or a module such as ExchangeOnline)");
        }
        if (profile.scopes === undefined && !isRejected(config, name, "scopes")) {
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
    },
};

const retryDelays: ProfileRule = {
  profiles:
    ({ error }) =>
    (name, profile) => {
      const retry = profile.retry;
      if (retry && retry.initialDelayMs > retry.maxDelayMs) {
        error(
          ["profiles", name, "retry", "initialDelayMs"],
          `is larger than maxDelayMs (${retry.maxDelayMs})`,
        );
      }
    },
};

const expiringBeforeInactive: ProfileRule = {
  profiles:
    ({ error }) =>
    (name, profile) => {
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
    },
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

const scheduled: ProfileRule = {
  profiles:
    ({ config, warn }) =>
    (name, profile) => {
      if (profile.schedule !== undefined || isRejected(config, name, "schedule")) return;
      warn(["profiles", name], "has no schedule; `partnerd run` will not refresh it");
    },
};

const managedIdentityProfile: Rule = ({ config, error }) => {
  const profile = config.parsed?.server.managedIdentity?.profile;
  if (profile === undefined || Object.hasOwn(config.profiles, profile)) return;
  const known = Object.keys(config.profiles).join(", ") || "none";
  error(["server", "managedIdentity", "profile"], `no profile "${profile}" (profiles: ${known})`);
};

/** Every rule, in the order they report. */
export const RULES: readonly (Rule | ProfileRule)[] = [
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

type Report = { kind: "error" | "warn"; path: ConfigPath; message: string };

/**
 * Runs the profile rules in one pass over the profiles, then the others; issues are reported in the
 * order of `rules` (each rule's in profile order), as if each rule had walked the profiles itself.
 */
export async function runRules(
  ctx: RuleContext,
  rules: readonly (Rule | ProfileRule)[] = RULES,
): Promise<void> {
  const reports: Report[][] = rules.map(() => []);
  const checks: ProfileCheck[] = [];
  rules.forEach((rule, i) => {
    if (typeof rule === "function") return;
    const report = reports[i]!;
    checks.push(
      rule.profiles({
        ...ctx,
        error: (path, message) => report.push({ kind: "error", path, message }),
        warn: (path, message) => report.push({ kind: "warn", path, message }),
      }),
    );
  });
  const entries = profileEntries(ctx.config);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const locations = tokenLocationsOf(entry[0], entry[1]);
    for (let c = 0; c < checks.length; c++) checks[c]!(entry[0], entry[1], locations);
  }
  for (const [i, rule] of rules.entries()) {
    if (typeof rule === "function") await rule(ctx);
    else for (const { kind, path, message } of reports[i]!) ctx[kind](path, message);
  }
}
