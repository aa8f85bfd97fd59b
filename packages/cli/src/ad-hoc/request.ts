import {
  ENVIRONMENTS,
  type EnvironmentName,
  MODULE_PRESETS,
  MODULES,
  type ModuleName,
  type ProfileConfig,
  UsageError,
} from "@partnerd/core";
import type { AdHocFlags } from "./flags.ts";

export type AdHocFlow =
  | "access-token"
  | "authorization-code"
  | "refresh-token"
  | "device-code"
  | "client-credentials";

/**
 * Picks the flow the way the cmdlet picks its parameter set (access token, then authorization code,
 * then refresh token, then device code, then service principal, else a user's browser sign-in), and
 * rejects the combinations it silently ignored.
 */
export function selectFlow(flags: AdHocFlags): AdHocFlow {
  const confidential = flags.clientSecretFile !== undefined || flags.certificateFile !== undefined;
  if (flags.accessToken !== undefined) return "access-token";
  if (flags.useAuthorizationCode) {
    if (flags.module)
      throw new UsageError("--module signs in with device code; drop --use-authorization-code");
    return "authorization-code";
  }
  if (flags.refreshTokenFile !== undefined) return "refresh-token";
  if (flags.module || flags.useDeviceAuthentication) {
    if (confidential) {
      throw new UsageError(
        "device code needs a public client: drop --client-secret-file/--certificate-file or use --use-authorization-code",
      );
    }
    return "device-code";
  }
  if (confidential) return "client-credentials";
  if (flags.servicePrincipal) {
    throw new UsageError("--service-principal needs --client-secret-file or --certificate-file");
  }
  return "authorization-code";
}

/** An in-memory profile for one ad-hoc request; nothing is stored. */
export function adHocProfile(flags: AdHocFlags, flow: AdHocFlow): ProfileConfig {
  const module = parseModule(flags.module);
  const preset = module ? MODULE_PRESETS[module] : undefined;
  if (preset && flags.applicationId && flags.applicationId.toLowerCase() !== preset.applicationId) {
    throw new UsageError(`--application-id conflicts with --module ${module} (${preset.applicationId})`);
  }
  const applicationId = preset?.applicationId ?? flags.applicationId;
  if (!applicationId) throw new UsageError("--application-id is required (or --module ExchangeOnline)");
  const scopes = preset?.scopes ?? flags.scopes?.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  if (!scopes || scopes.length === 0) throw new UsageError("--scopes is required");
  const tenant = flags.tenant ?? "organizations";
  if (
    flow === "client-credentials" &&
    ["organizations", "common", "consumers"].includes(tenant.toLowerCase())
  ) {
    throw new UsageError("--tenant is required for a service principal (a tenant id or domain)");
  }
  if (flags.environment && flags.authority) throw new UsageError("use either --environment or --authority");
  return {
    name: "ad-hoc",
    flow: flow === "client-credentials" ? "client-credentials" : "refresh-token",
    consent: flow === "device-code" ? "device-code" : "authorization-code",
    ...(module ? { module } : {}),
    applicationId,
    scopes,
    tenant,
    environment: parseEnvironment(flags.environment),
    ...(flags.authority ? { authority: flags.authority } : {}),
    clientSecret: undefined,
    clientCertificate: undefined,
    refreshToken: [],
    retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
    inactivityDays: 90,
  };
}

function parseModule(value: string | undefined): ModuleName | undefined {
  if (value === undefined) return undefined;
  const match = MODULES.find((m) => m.toLowerCase() === value.toLowerCase());
  if (!match) throw new UsageError(`--module: "${value}" is not one of ${MODULES.join(", ")}`);
  return match;
}

function parseEnvironment(value: string | undefined): EnvironmentName {
  if (value === undefined) return "AzureCloud";
  const match = ENVIRONMENTS.find((e) => e.toLowerCase() === value.toLowerCase());
  if (!match) throw new UsageError(`--environment: "${value}" is not one of ${ENVIRONMENTS.join(", ")}`);
  if (match === "AzureGermanCloud") {
    throw new UsageError(
      "--environment AzureGermanCloud: Microsoft Cloud Deutschland closed in October 2021; its tenants moved to AzureCloud",
    );
  }
  return match;
}
