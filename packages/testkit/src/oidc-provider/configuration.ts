import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { Configuration, JWK } from "oidc-provider";
import { createMapAdapter } from "./map-adapter.ts";

/** The one user every seeded grant belongs to. */
export interface OidcUser {
  /** `sub` claim; msal's home account id in OIDC mode. */
  sub: string;
  name: string;
  preferredUsername: string;
}

export interface OidcClientSettings {
  clientId: string;
  /** Confidential (`client_secret_post`, what msal sends) with a secret; public (`none`) without. */
  clientSecret: string | undefined;
}

/** The resource scope a partnerd profile asks for; msal adds `openid profile offline_access` itself. */
export const OIDC_PROVIDER_SCOPE = "partnerd.read";

/** Scopes every seeded grant and refresh token hold: msal's OIDC defaults plus {@link OIDC_PROVIDER_SCOPE}. */
export const SEEDED_SCOPES = ["openid", "profile", "offline_access", OIDC_PROVIDER_SCOPE] as const;

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/**
 * oidc-provider configured like a strict production IdP: every refresh token is single-use
 * (`rotateRefreshToken: true`, so presenting a consumed one revokes the grant), one client for partnerd,
 * no development interactions, keys and cookie secrets generated per start. The id_token carries the
 * profile claims (msal takes the account's username from `preferred_username` there).
 */
export function providerConfiguration(client: OidcClientSettings, user: OidcUser): Configuration {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...(privateKey.export({ format: "jwk" }) as JWK), alg: "RS256", use: "sig" };
  return {
    clients: [
      {
        client_id: client.clientId,
        ...(client.clientSecret === undefined
          ? { token_endpoint_auth_method: "none" }
          : { client_secret: client.clientSecret, token_endpoint_auth_method: "client_secret_post" }),
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        redirect_uris: ["http://localhost/"],
      },
    ],
    adapter: createMapAdapter(),
    rotateRefreshToken: true,
    conformIdTokenClaims: false,
    ttl: { AccessToken: HOUR_S, IdToken: HOUR_S, RefreshToken: 90 * DAY_S, Grant: 90 * DAY_S },
    scopes: [...SEEDED_SCOPES],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"] },
    findAccount: (_ctx, sub) =>
      sub === user.sub
        ? {
            accountId: sub,
            claims: () => ({ sub, name: user.name, preferred_username: user.preferredUsername }),
          }
        : undefined,
    features: { devInteractions: { enabled: false } },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
  };
}
