import type { ConfigIssue } from "../errors.ts";
import type { Secret } from "../secret.ts";
import type {
  CONSENT_FLOWS,
  ENVIRONMENTS,
  HookConfig,
  NetworkConfig,
  ParsedProfile,
  ServerConfig,
  StoreConfig,
} from "./schema.ts";

/** Every value `environment:` accepts. */
export type EnvironmentSetting = (typeof ENVIRONMENTS)[number];

/** The clouds partnerd can sign in to (AzureGermanCloud closed in October 2021). */
export type EnvironmentName = Exclude<EnvironmentSetting, "AzureGermanCloud">;

export interface TokenLocation {
  store: string;
  name: string;
  /** Overwrite a secret partnerd did not create (see `SecretMetadata.takeover`). */
  takeover?: boolean;
}

/** A secret the config refers to: already read (env, file), or to be read from a store at runtime. */
export type SecretSource =
  | {
      kind: "value";
      secret: Secret /** The file it was read from, for `partnerd doctor`'s permission check. */;
      file?: string;
    }
  | { kind: "store"; store: string; name: string; configPath: string };

/** A certificate credential with its PEM parts read (or to be read from a store). */
export interface ClientCertificateSource {
  certificate: SecretSource;
  privateKey: SecretSource | undefined;
  /** Normalized to upper-case hex without separators. */
  thumbprint: string | undefined;
}

export interface ProfileConfig
  extends Omit<
    ParsedProfile,
    | "clientSecret"
    | "clientCertificate"
    | "refreshToken"
    | "environment"
    | "applicationId"
    | "scopes"
    | "consent"
    | "expiringAfterDays"
  > {
  name: string;
  /** From the profile, or fixed by its `module`. */
  applicationId: string;
  scopes: string[];
  environment: EnvironmentName;
  /** How `partnerd login` consents: device-code for modules, authorization-code otherwise, unless set. */
  consent: (typeof CONSENT_FLOWS)[number];
  /** Raise `expiring` after this many days unredeemed; default two thirds of `inactivityDays`. */
  expiringAfterDays: number;
  clientSecret: SecretSource | undefined;
  clientCertificate: ClientCertificateSource | undefined;
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
  /** The daemon's optional listeners: metrics and health, the managed-identity endpoint. */
  server: ServerConfig;
  /** Includes the embedded `default` file store unless the file defines its own. */
  stores: Record<string, StoreConfig>;
  /** Hooks for every profile, run before each profile's own `hooks`. */
  hooks: HookConfig[];
  profiles: Record<string, ProfileConfig>;
  /** Where a dotted path (`profiles.pc.clientSecret`) sits in the file, for errors found after loading. */
  locate(path: string): ConfigIssue;
}
