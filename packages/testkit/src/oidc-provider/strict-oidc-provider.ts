import { randomUUID } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { type LoopbackServer, startLoopbackServer } from "../loopback/loopback-server.ts";
import type { RotationProbe } from "../rotation-probe.ts";
import { createTestCa } from "../tls/test-ca.ts";
import { OIDC_PROVIDER_SCOPE, type OidcUser, providerConfiguration, SEEDED_SCOPES } from "./configuration.ts";

/** Options for {@link StrictOidcProvider.start}. */
export interface StrictOidcProviderOptions {
  /** TCP port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /** `"confidential"` (default): the client has a secret, sent as `client_secret_post`. `"public"`: none. */
  client?: "confidential" | "public";
}

/**
 * panva's `oidc-provider` (a certified OpenID provider nobody here wrote) over loopback HTTPS with the
 * testkit's CA, rotating strictly: every refresh token is single-use, and presenting a consumed one
 * revokes its whole grant. One client for partnerd; {@link seed} creates a grant and returns its first
 * refresh token, as if the user had consented.
 *
 * A partnerd profile uses it with `authority: <issuer>`, `protocol: oidc`, `applicationId: <clientId>`,
 * `clientSecret` (confidential), `scopes: [<scope>]`, and `network.caFile` holding {@link caPem}.
 */
export class StrictOidcProvider implements RotationProbe {
  /** `https://127.0.0.1:PORT`, the issuer and the profile's `authority`. */
  readonly issuer: string;
  /** `127.0.0.1:PORT`, the value for msal's `knownAuthorities`. */
  readonly host: string;
  /** PEM of the test CA that signed the server certificate. */
  readonly caPem: string;
  readonly clientId: string;
  /** Undefined for a public client. */
  readonly clientSecret: string | undefined;
  /** The resource scope to ask for (msal adds `openid profile offline_access`). */
  readonly scope = OIDC_PROVIDER_SCOPE;
  /** The user every seeded grant is for. */
  readonly user: Readonly<OidcUser>;

  readonly #provider: Provider;
  readonly #server: LoopbackServer;
  readonly #tracker: TokenTracker;
  #closed: Promise<void> | undefined;

  private constructor(init: {
    provider: Provider;
    server: LoopbackServer;
    tracker: TokenTracker;
    caPem: string;
    clientSecret: string | undefined;
    clientId: string;
    user: OidcUser;
  }) {
    this.#provider = init.provider;
    this.#server = init.server;
    this.#tracker = init.tracker;
    this.issuer = init.server.baseUrl;
    this.host = `127.0.0.1:${init.server.port}`;
    this.caPem = init.caPem;
    this.clientId = init.clientId;
    this.clientSecret = init.clientSecret;
    this.user = init.user;
  }

  static async start(opts: StrictOidcProviderOptions = {}): Promise<StrictOidcProvider> {
    const ca = await createTestCa();
    // The issuer names the port, so the provider is built once the server listens.
    let handler: ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
    const server = await startLoopbackServer(
      { port: opts.port ?? 0, tls: { keyPem: ca.keyPem, certPem: ca.certPem } },
      async (req, res) => {
        await handler?.(req, res);
      },
    );
    const clientId = randomUUID();
    const clientSecret = opts.client === "public" ? undefined : `OIDC-SECRET-${randomUUID()}`;
    const user: OidcUser = {
      sub: randomUUID(),
      name: "OIDC Test User",
      preferredUsername: "oidc.user@partnerd.test",
    };
    const provider = new Provider(server.baseUrl, providerConfiguration({ clientId, clientSecret }, user));
    const tracker = new TokenTracker(provider);
    handler = provider.callback();
    return new StrictOidcProvider({
      provider,
      server,
      tracker,
      caPem: ca.caPem,
      clientId,
      clientSecret,
      user,
    });
  }

  /** Writes {@link caPem} to `path` with mode 0600 (for a profile's `network.caFile`). */
  async writeCaFile(path: string): Promise<void> {
    await writeFile(path, this.caPem, { mode: 0o600 });
    await chmod(path, 0o600);
  }

  /**
   * Creates a grant for {@link user} and the client (scopes `openid profile offline_access` + {@link scope})
   * through the provider's own Grant and RefreshToken models, exactly what a completed consent stores,
   * and returns its first refresh token.
   */
  async seed(): Promise<string> {
    const { Grant, RefreshToken, Client } = this.#provider;
    const client = await Client.find(this.clientId);
    if (!client) throw new Error("StrictOidcProvider: the client is not registered");
    const scope = SEEDED_SCOPES.join(" ");
    const grant = new Grant({ accountId: this.user.sub, clientId: this.clientId });
    grant.addOIDCScope(scope);
    grant.addOIDCClaims(["name", "preferred_username"]);
    const grantId = await grant.save();
    const refreshToken = new RefreshToken({
      client,
      accountId: this.user.sub,
      grantId,
      gty: "authorization_code",
      scope,
      authTime: Math.floor(Date.now() / 1000),
      expiresWithSession: false,
    });
    return refreshToken.save();
  }

  /** Whether the grant `rt` belongs to (any refresh token this provider issued) still exists. */
  async isGrantAlive(rt: string): Promise<boolean> {
    const grantId = this.#tracker.grantOf(rt);
    return grantId !== undefined && (await this.#provider.Grant.find(grantId)) !== undefined;
  }

  /** The most recently issued refresh token of `rt`'s grant; throws for a token it never issued. */
  newestRefreshToken(rt: string): string {
    const newest = this.#tracker.newestOf(rt);
    if (newest === undefined) throw new Error("StrictOidcProvider: unknown refresh token");
    return newest;
  }

  /** How many token requests presented `rt` (whatever the outcome). More than 1 means a duplicate. */
  presentationCount(rt: string): number {
    return this.#tracker.presentations.get(rt) ?? 0;
  }

  /** Refresh tokens presented more than once (see {@link presentationCount}). */
  reusedRefreshTokens(): string[] {
    return [...this.#tracker.presentations].filter(([, count]) => count > 1).map(([rt]) => rt);
  }

  /** Token-endpoint requests so far, whatever their grant type or outcome. */
  get tokenRequestCount(): number {
    return this.#tracker.tokenRequests;
  }

  /** Stops the server and drops every connection. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#server.close();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Follows the provider's refresh tokens (by its events) and counts what reaches its token endpoint. */
class TokenTracker {
  tokenRequests = 0;
  readonly presentations = new Map<string, number>();
  readonly #grantOf = new Map<string, string>();
  readonly #newest = new Map<string, string>();

  constructor(provider: Provider) {
    provider.on("refresh_token.saved", (token) => {
      if (token.grantId === undefined) return;
      this.#grantOf.set(token.jti, token.grantId);
      this.#newest.set(token.grantId, token.jti);
    });
    provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
      await next();
      if (ctx.oidc?.route !== "token") return;
      this.tokenRequests++;
      const presented = ctx.oidc.params?.refresh_token;
      if (typeof presented === "string") {
        this.presentations.set(presented, (this.presentations.get(presented) ?? 0) + 1);
      }
    });
  }

  grantOf(rt: string): string | undefined {
    return this.#grantOf.get(rt);
  }

  newestOf(rt: string): string | undefined {
    const grantId = this.#grantOf.get(rt);
    return grantId === undefined ? undefined : this.#newest.get(grantId);
  }
}
