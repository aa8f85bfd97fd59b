import { dirname, resolve } from "node:path";
import { MODULE_PRESETS } from "../identity/modules.ts";
import { embeddedSecretsDir } from "../state-paths.ts";
import type { Locator } from "./locate.ts";
import { tokenLocationsOf } from "./rules.ts";
import { DEFAULT_STORE_ID, type ParsedConfig, type StoreConfig } from "./schema.ts";
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

/** No lookups (and no keys built) when nothing was resolved, as for `status`. */
function resolvedSecret(
  secrets: ReadonlyMap<string, SecretSource>,
  profile: string,
  path: string,
): SecretSource | undefined {
  return secrets.size === 0 ? undefined : secrets.get(`profiles.${profile}.${path}`);
}

/**
 * `locate` for the normalized config, made in a scope of its own: a closure keeps its whole scope
 * alive, and made in `normalizeConfig` it kept the resolved-secrets map (10,000 keys) for good.
 */
function configLocator(locate: Locator): PartnerdConfig["locate"] {
  return (path) => locate(path);
}

/** Applies every default and makes every path absolute. Expects a config that passed schema and rules. */
export function normalizeConfig({ file, parsed, env, secrets, locate }: NormalizeInput): PartnerdConfig {
  const dir = dirname(file);
  const stateDir = resolveStateDir(parsed.stateDir, dir, env);

  const network = { ...parsed.network };
  if (network.caFile !== undefined) network.caFile = resolve(dir, network.caFile);

  const stores: Record<string, StoreConfig> = {};
  if (!Object.hasOwn(parsed.stores, DEFAULT_STORE_ID)) {
    stores[DEFAULT_STORE_ID] = { use: "file", options: { dir: embeddedSecretsDir(stateDir) } };
  }
  Object.assign(stores, parsed.stores);

  const profiles: Record<string, ProfileConfig> = {};
  for (const [name, profile] of Object.entries(parsed.profiles)) {
    const {
      clientSecret: _secret,
      clientCertificate,
      refreshToken: _locations,
      environment,
      applicationId,
      scopes,
      consent,
      expiringAfterDays,
      ...rest
    } = profile;
    const preset = profile.module ? MODULE_PRESETS[profile.module] : undefined;
    const secretAt = (path: string) => resolvedSecret(secrets, name, path);
    const certificate = secretAt("clientCertificate.certificate");
    profiles[name] = {
      name,
      ...rest,
      // The rules guarantee these exist when there is no module.
      applicationId: preset?.applicationId ?? applicationId!,
      scopes: preset?.scopes ?? scopes!,
      consent: consent ?? preset?.consent ?? "authorization-code",
      expiringAfterDays: expiringAfterDays ?? Math.floor((profile.inactivityDays * 2) / 3),
      environment:
        environment === undefined || environment === "AzureGermanCloud" ? "AzureCloud" : environment,
      clientSecret: secretAt("clientSecret"),
      clientCertificate:
        clientCertificate && certificate
          ? {
              certificate,
              privateKey: secretAt("clientCertificate.privateKey"),
              thumbprint: clientCertificate.thumbprint?.replace(/[:\s]/g, "").toUpperCase(),
            }
          : undefined,
      refreshToken: tokenLocationsOf(name, profile).map((l) => ({
        store: l.store,
        name: l.name ?? name,
        ...(l.takeover ? { takeover: true } : {}),
      })),
    };
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
    locate: configLocator(locate),
  };
}
