import type { ConfigIssue } from "../errors.ts";
import type { Secret } from "../secret.ts";
import type { ENVIRONMENTS, NetworkConfig, ParsedProfile, StoreConfig } from "./schema.ts";

export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export interface TokenLocation {
  store: string;
  name: string;
  /** Overwrite a secret partnerd did not create (see `SecretMetadata.takeover`). */
  takeover?: boolean;
}

/** A secret the config refers to: already read (env, file), or to be read from a store at runtime. */
export type SecretSource =
  | { kind: "value"; secret: Secret }
  | { kind: "store"; store: string; name: string; configPath: string };

export interface ProfileConfig extends Omit<ParsedProfile, "clientSecret" | "refreshToken" | "environment"> {
  name: string;
  environment: EnvironmentName;
  clientSecret: SecretSource | undefined;
  /** One or more places; the first is where a fresh token is looked for first. */
  refreshToken: TokenLocation[];
}

/** A validated, normalized config: every path absolute, every default applied. */
export interface PartnerdConfig {
  /** Absolute path of the file it came from. */
  file: string;
  /** Folder of that file; relative paths in store options resolve from here. */
  dir: string;
  stateDir: string;
  network: NetworkConfig;
  /** Includes the embedded `default` file store unless the file defines its own. */
  stores: Record<string, StoreConfig>;
  profiles: Record<string, ProfileConfig>;
  /** Where a dotted path (`profiles.pc.clientSecret`) sits in the file, for errors found after loading. */
  locate(path: string): ConfigIssue;
}
