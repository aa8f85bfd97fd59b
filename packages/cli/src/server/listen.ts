import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PartnerdError } from "@partnerd/core";

/**
 * Listens on `listen` (`host:port`, `[v6]:port`; port 0 for any free one) and resolves with the address
 * bound. A port in use or a host that is not this machine's is a clear error naming `setting`.
 */
export async function listenOn(server: Server, listen: string, setting: string): Promise<AddressInfo> {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(listen.slice(colon + 1));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new PartnerdError("LISTEN_FAILED", `${setting} ${listen}: cannot listen (${code ?? message})`);
  }
  return server.address() as AddressInfo;
}
