import { dirname, join, resolve } from "node:path";
import { MODULE_PRESETS } from "../identity/modules.ts";
import type { Locator } from "./locate.ts";
import { tokenLocationsOf } from "./rules.ts";
import { DEFAULT_STORE_ID, type ParsedConfig, type ParsedProfile, type StoreConfig } from "./schema.ts";
import { resolveStateDir } from "./state-dir.ts";
import type { PartnerdConfig, ProfileConfig, SecretSource } from "./types.ts";

/**
 * partnerd's state folder: `stateDir` from the file (relative to it), else systemd's
 * `$STATE_DIRECTORY` (its first entry), else `$XDG_STATE_HOME/partnerd`, else `~/.local/state/partnerd`.
 */

export interface NormalizeInput {
  file: string;
  parsed: ParsedConfig;
  env: NodeJS.ProcessEnv;
  /** Resolved secret references by dotted path (`profiles.pc.clientSecret`). */
  secrets: ReadonlyMap<string, SecretSource>;
  locate: Locator;
}

/** Fields of a parsed profile that normalizing replaces (the others are kept as they are). */
const REPLACED_FIELDS = new Set<string>([
  "clientSecret",
  "clientCertificate",
  "refreshToken",
  "environment",
  "applicationId",
  "scopes",
  "consent",
  "expiringAfterDays",
] satisfies (keyof ParsedProfile)[]);

/** Applies every default and makes every path absolute. Expects a config that passed schema and rules. */
export function normalizeConfig({ file, parsed, env, secrets, locate }: NormalizeInput): PartnerdConfig {
  const dir = dirname(file);
  const stateDir = resolveStateDir(parsed.stateDir, dir, env);

  const network = { ...parsed.network };
  if (network.caFile !== undefined) network.caFile = resolve(dir, network.caFile);

  const stores: Record<string, StoreConfig> = {};
  if (!Object.hasOwn(parsed.stores, DEFAULT_STORE_ID)) {
    stores[DEFAULT_STORE_ID] = { use: "file", options: { dir: join(stateDir, "secrets") } };
  }
  Object.assign(stores, parsed.stores);

  const profiles: Record<string, ProfileConfig> = {};
  // No lookups (and no keys built) when nothing was resolved, as for `status`.
  const secretAt = (name: string, path: string) =>
    secrets.size === 0 ? undefined : secrets.get(`profiles.${name}.${path}`);
  for (const name in parsed.profiles) {
    const profile = parsed.profiles[name]!;
    const { clientCertificate, environment, applicationId, scopes, consent, expiringAfterDays } = profile;
    const preset = profile.module ? MODULE_PRESETS[profile.module] : undefined;
    const certificate = secretAt(name, "clientCertificate.certificate");
    // The profile's other fields as they are, in their order (an object rest, without its cost at scale).
    const normalized = { name } as Record<string, unknown>;
    for (const key in profile) {
      if (!REPLACED_FIELDS.has(key)) normalized[key] = profile[key as keyof ParsedProfile];
    }
    normalized.applicationId = preset?.applicationId ?? applicationId!; // the rules guarantee these
    normalized.scopes = preset?.scopes ?? scopes!; // exist when there is no module
    normalized.consent = consent ?? preset?.consent ?? "authorization-code";
    normalized.expiringAfterDays = expiringAfterDays ?? Math.floor((profile.inactivityDays * 2) / 3);
    normalized.environment =
      environment === undefined || environment === "AzureGermanCloud" ? "AzureCloud" : environment;
    normalized.clientSecret = secretAt(name, "clientSecret");
    normalized.clientCertificate =
      clientCertificate && certificate
        ? {
            certificate,
            privateKey: secretAt(name, "clientCertificate.privateKey"),
            thumbprint: clientCertificate.thumbprint?.replace(/[:\s]/g, "").toUpperCase(),
          }
        : undefined;
    normalized.refreshToken = tokenLocationsOf(name, profile).map((l) => ({
      store: l.store,
      name: l.name ?? name,
      ...(l.takeover ? { takeover: true } : {}),
    }));
    profiles[name] = normalized as unknown as ProfileConfig;
  }

  return {
    file,
    dir,
    stateDir,
    network,
    server: { ...parsed.server },
    stores,
    hooks: parsed.hooks,
    profiles,
    locate: (path) => locate(path),
  };
}
