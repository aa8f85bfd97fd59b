import { chmod, rm } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";

/**
 * An HTTP server on a Unix socket that only its owner can connect to: the socket file is created under
 * umask 0177 (no window where it is open to others) and lives in the 0700 state folder. The caller
 * holds the state folder's daemon lock, so a socket file already there is a dead daemon's: replaced.
 */
export async function listenOnUnixSocket(path: string, handler: RequestListener): Promise<Server> {
  await rm(path, { force: true });
  const server = createServer(handler);
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  await chmod(path, 0o600);
  return server;
}

/** Stops accepting, ends idle keep-alive connections, waits for in-flight answers, removes the file. */
export async function closeUnixSocket(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await rm(path, { force: true });
}
