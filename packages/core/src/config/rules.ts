import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { describeReadError } from "./find.ts";
import type { ConfigPath } from "./locate.ts";
import { DEFAULT_STORE_ID } from "./schema.ts";
import type { CheckedConfig, CheckedProfile } from "./validate.ts";

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
  if (written === undefined) return [];
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
  for (const [name, profile] of Object.entries(config.profiles)) {
    if (profile.environment !== undefined && profile.authority !== undefined) {
      error(["profiles", name, "authority"], "set either environment or authority, not both");
    }
  }
};

const knownStores: Rule = ({ config, error }) => {
  const defined = definedStores(config);
  const unknown = (store: string) => `unknown store "${store}" (defined: ${defined.join(", ")})`;
  for (const [name, profile] of Object.entries(config.profiles)) {
    for (const location of tokenLocationsOf(name, profile)) {
      if (!defined.includes(location.store)) error([...location.path, "store"], unknown(location.store));
    }
    const secret = profile.clientSecret;
    if (secret && "store" in secret && !defined.includes(secret.store)) {
      error(["profiles", name, "clientSecret", "store"], unknown(secret.store));
    }
  }
};

const distinctTokenLocations: Rule = ({ config, error }) => {
  const owners = new Map<string, string>();
  for (const [name, profile] of Object.entries(config.profiles)) {
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

const retryDelays: Rule = ({ config, error }) => {
  for (const [name, profile] of Object.entries(config.profiles)) {
    const retry = profile.retry;
    if (retry && retry.initialDelayMs > retry.maxDelayMs) {
      error(["profiles", name, "retry", "initialDelayMs"], `is larger than maxDelayMs (${retry.maxDelayMs})`);
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
  for (const [name, profile] of Object.entries(config.profiles)) {
    if (profile.schedule !== undefined || config.rejected.has(`profiles.${name}.schedule`)) continue;
    warn(["profiles", name], "has no schedule; `partnerd run` will not refresh it");
  }
};

/** Every rule, in the order they run. */
export const RULES: readonly Rule[] = [
  environmentOrAuthority,
  knownStores,
  distinctTokenLocations,
  retryDelays,
  caFileReadable,
  scheduled,
];

export async function runRules(ctx: RuleContext, rules: readonly Rule[] = RULES): Promise<void> {
  for (const rule of rules) await rule(ctx);
}
