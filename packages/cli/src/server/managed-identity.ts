import { randomBytes, timingSafeEqual } from "node:crypto";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { type PartnerdConfig, writeFileAtomic } from "@partnerd/core";
import { sendJson } from "./json-response.ts";
import { listenOn } from "./listen.ts";
import { ServiceError, type TokenService } from "./token-service.ts";

export const MANAGED_IDENTITY_PATH = "/msi/token";
const API_VERSION = "2019-08-01";

export interface ManagedIdentitySettings {
  /** `host:port` on loopback. */
  listen: string;
  /** The profile for requests without `client_id`. */
  profile?: string | undefined;
}

export interface ManagedIdentityEndpoint {
  /** `http://127.0.0.1:PORT/msi/token`, the value for `IDENTITY_ENDPOINT`. */
  url: string;
  /** `<stateDir>/managed-identity.env`: IDENTITY_ENDPOINT and IDENTITY_HEADER lines, mode 0600. */
  envFile: string;
  close(): Promise<void>;
}

/** Where the endpoint's address and per-start header secret are written for scripts to source. */
export function managedIdentityEnvFile(stateDir: string): string {
  return join(stateDir, "managed-identity.env");
}

/**
 * Azure App Service's managed-identity protocol (api-version 2019-08-01) on loopback, so that
 * `ManagedIdentityCredential`, `DefaultAzureCredential`, Az PowerShell and the Graph SDK get partnerd's
 * tokens with only `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` set. `client_id` picks the profile (its
 * `applicationId` or its name); `resource` becomes the scope `<resource>/.default`.
 */
export async function startManagedIdentityEndpoint(
  settings: ManagedIdentitySettings,
  deps: { tokens: TokenService; config: () => PartnerdConfig; stateDir: string },
): Promise<ManagedIdentityEndpoint> {
  const secret = randomBytes(32).toString("hex");
  const server = createServer((request, response) => {
    void answer(request, response, secret, deps);
  });
  const address = await listenOn(server, settings.listen, "server.managedIdentity.listen");
  const hostInUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostInUrl}:${address.port}${MANAGED_IDENTITY_PATH}`;
  const envFile = managedIdentityEnvFile(deps.stateDir);
  await writeFileAtomic(envFile, `IDENTITY_ENDPOINT=${url}\nIDENTITY_HEADER=${secret}\n`);
  return {
    url,
    envFile,
    close: async () => {
      await closeServer(server);
      await rm(envFile, { force: true });
    },
  };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  secret: string,
  deps: { tokens: TokenService; config: () => PartnerdConfig },
): Promise<void> {
  try {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== MANAGED_IDENTITY_PATH)
      throw new ServiceError(404, "not_found", `no such endpoint: ${url.pathname}`);
    if (request.method !== "GET") throw new ServiceError(405, "invalid_request", "use GET");
    if (!headerMatches(request.headers["x-identity-header"], secret)) {
      throw new ServiceError(401, "unauthorized", "missing or wrong X-IDENTITY-HEADER");
    }
    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion !== API_VERSION) {
      throw new ServiceError(400, "invalid_request", `api-version must be ${API_VERSION}`);
    }
    const resource = url.searchParams.get("resource");
    if (!resource) throw new ServiceError(400, "invalid_request", "the resource parameter is missing");
    const profile = pickProfile(deps.config(), url.searchParams.get("client_id"));
    const token = await deps.tokens.token({ profile: profile.name, scopes: [`${resource}/.default`] });
    sendJson(response, 200, {
      access_token: token.accessToken.reveal(),
      expires_on: String(Math.floor(token.expiresOn.getTime() / 1000)),
      resource,
      token_type: "Bearer",
      client_id: profile.applicationId,
    });
  } catch (error) {
    const failure =
      error instanceof ServiceError ? error : new ServiceError(500, "server_error", String(error));
    sendJson(response, failure.status, {
      error: failure.code.toLowerCase(),
      error_description: failure.message,
      message: failure.message,
    });
  }
}

function pickProfile(config: PartnerdConfig, clientId: string | null) {
  const profiles = Object.values(config.profiles);
  if (clientId) {
    const byName = config.profiles[clientId];
    if (byName) return byName;
    const byApp = profiles.filter((p) => p.applicationId.toLowerCase() === clientId.toLowerCase());
    if (byApp.length === 1) return byApp[0]!;
    if (byApp.length > 1) {
      throw new ServiceError(
        400,
        "invalid_request",
        `client_id ${clientId} is the app of profiles ${byApp.map((p) => p.name).join(", ")}; pass the profile name as client_id`,
      );
    }
    throw new ServiceError(
      400,
      "invalid_request",
      `no profile has client_id ${clientId} as its name or applicationId`,
    );
  }
  const fallback = config.server.managedIdentity?.profile;
  if (fallback && config.profiles[fallback]) return config.profiles[fallback];
  if (profiles.length === 1) return profiles[0]!;
  throw new ServiceError(
    400,
    "invalid_request",
    "client_id is missing and server.managedIdentity.profile is not set; pass the profile's applicationId or name as client_id",
  );
}

function headerMatches(value: string | string[] | undefined, secret: string): boolean {
  if (typeof value !== "string") return false;
  const given = Buffer.from(value);
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
