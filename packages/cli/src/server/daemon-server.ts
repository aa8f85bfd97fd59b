import type { Server } from "node:http";
import { daemonSocketPath, type Logger, type PartnerdRuntime, profileReports } from "@partnerd/core";
import { type ManagedIdentityEndpoint, startManagedIdentityEndpoint } from "./managed-identity.ts";
import { socketApi } from "./socket-api.ts";
import type { TokenService } from "./token-service.ts";
import { closeUnixSocket, listenOnUnixSocket } from "./unix-socket.ts";

/** sun_path is 108 bytes on Linux (104 on macOS), terminator included. */
const MAX_SOCKET_PATH_BYTES = 103;

/** What `partnerd run` serves: the token socket, and the managed-identity endpoint when configured. */
export class DaemonServer {
  readonly tokens: TokenService;
  readonly #socket: { server: Server; path: string } | undefined;
  readonly #managedIdentity: ManagedIdentityEndpoint | undefined;

  private constructor(
    tokens: TokenService,
    socket: { server: Server; path: string } | undefined,
    managedIdentity: ManagedIdentityEndpoint | undefined,
  ) {
    this.tokens = tokens;
    this.#socket = socket;
    this.#managedIdentity = managedIdentity;
  }

  /** `tokens` exists before the scheduler starts, so that even its first runs fill the cache. */
  static async start(
    tokens: TokenService,
    runtime: () => PartnerdRuntime,
    logger: Logger,
  ): Promise<DaemonServer> {
    const { stateDir, server: settings } = runtime().config;
    const path = daemonSocketPath(stateDir);
    let socket: { server: Server; path: string } | undefined;
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
      logger.warn(
        "not serving tokens on a socket: its path is too long for a Unix socket; `partnerd token` will redeem itself",
        {
          socket: path,
        },
      );
    } else {
      const api = socketApi({
        tokens,
        status: () => profileReports(runtime().config),
        startedAt: new Date(),
      });
      socket = { server: await listenOnUnixSocket(path, api), path };
    }
    let managedIdentity: ManagedIdentityEndpoint | undefined;
    try {
      if (settings.managedIdentity) {
        managedIdentity = await startManagedIdentityEndpoint(settings.managedIdentity, {
          tokens,
          config: () => runtime().config,
          stateDir,
        });
      }
    } catch (error) {
      if (socket) await closeUnixSocket(socket.server, socket.path);
      throw error;
    }
    logger.info("serving access tokens", {
      socket: socket?.path,
      ...(managedIdentity ? { managedIdentity: managedIdentity.url, env: managedIdentity.envFile } : {}),
    });
    return new DaemonServer(tokens, socket, managedIdentity);
  }

  /** New requests are refused with 503; answers in flight finish; then the listeners close. */
  async close(): Promise<void> {
    this.tokens.stop();
    await Promise.all([
      this.#socket && closeUnixSocket(this.#socket.server, this.#socket.path),
      this.#managedIdentity?.close(),
    ]);
  }
}
