/**
 * The baselines partnerd's refresh is compared with: what a person would write by hand. Raw HTTP (one
 * POST, the rotated token from the JSON), a bare msal-node script (one application per profile, the
 * rotated token read from msal's cache), and that script plus the same durability partnerd promises:
 * the token in a 0600 file written temp, fsync, rename, fsync folder.
 */
import { randomBytes } from "node:crypto";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { type INetworkModule, PublicClientApplication } from "@azure/msal-node";
import { Agent, fetch } from "undici";

export function caAgent(caPem: string): Agent {
  return new Agent({ connect: { ca: [...rootCertificates, caPem] } });
}

/** msal's network module over undici with the fake's CA; nothing cached. */
function networkClient(dispatcher: Agent): INetworkModule {
  const send = async (method: string, url: string, body?: string, headers?: Record<string, string>) => {
    const response = await fetch(url, {
      method,
      dispatcher,
      ...(headers ? { headers } : {}),
      ...(body ? { body } : {}),
    });
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: (await response.json()) as never,
    };
  };
  return {
    sendGetRequestAsync: (url, options) => send("GET", url, undefined, options?.headers),
    sendPostRequestAsync: (url, options) => send("POST", url, options?.body, options?.headers),
  };
}

export interface Redeemer {
  redeem(profile: string, refreshToken: string): Promise<string>;
}

export function rawHttp(dispatcher: Agent, tokenEndpoint: string, clientId: string, scope: string): Redeemer {
  return {
    async redeem(_profile, refreshToken) {
      const body = new URLSearchParams({
        grant_type: "refresh_token",
        client_id: clientId,
        refresh_token: refreshToken,
        scope: `${scope} offline_access`,
      });
      const response = await fetch(tokenEndpoint, { method: "POST", dispatcher, body });
      const json = (await response.json()) as { refresh_token?: string };
      if (!json.refresh_token) throw new Error(`raw HTTP redemption failed (${response.status})`);
      return json.refresh_token;
    },
  };
}

export function bareMsal(dispatcher: Agent, authority: string, clientId: string, scope: string): Redeemer {
  const apps = new Map<string, PublicClientApplication>();
  const network = networkClient(dispatcher);
  return {
    async redeem(profile, refreshToken) {
      let app = apps.get(profile);
      if (!app) {
        app = new PublicClientApplication({
          auth: { clientId, authority, knownAuthorities: [new URL(authority).host] },
          system: { networkClient: network },
        });
        apps.set(profile, app);
      }
      await app.acquireTokenByRefreshToken({ refreshToken, scopes: [scope], forceCache: true });
      const cache = JSON.parse(app.getTokenCache().serialize()) as {
        RefreshToken: Record<string, { secret: string }>;
      };
      const entries = Object.values(cache.RefreshToken);
      const rotated = entries.at(-1)?.secret;
      if (!rotated) throw new Error("no refresh token in msal's cache");
      app.getTokenCache().deserialize("{}");
      return rotated;
    },
  };
}

/** temp (0600), write, fsync, rename, fsync the folder: the durability partnerd gives each token. */
export async function writeDurably(dir: string, name: string, value: string): Promise<void> {
  const path = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  const file = await open(temp, "wx", 0o600);
  await file.writeFile(value);
  await file.sync();
  await file.close();
  await rename(temp, path);
  const folder = await open(dir, "r");
  await folder.sync();
  await folder.close();
}
