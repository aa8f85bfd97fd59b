// FakeEntra in a process of its own, for the chaos suite: it outlives every `kill -9` of partnerd and
// keeps the full record of the tokens it issued and was shown. Driven over the IPC channel of fork().
import { FakeEntra, type RotationMode } from "@partnerd/testkit";

export type HostRequest =
  | { op: "registerClient"; clientId: string; clientSecret: string }
  | { op: "issueRefreshToken"; clientId: string; value: string }
  | { op: "rotation"; mode: RotationMode }
  | { op: "latency"; ms: number }
  | { op: "failNext"; count: number; status: 429 | 500 | 503; retryAfterSeconds?: number }
  /** Parks the next token request, SIGKILLs `pid` when it arrives, then lets the request through. */
  | { op: "killOnNextRedeem"; pid: number }
  /**
   * Answers the next token request, then SIGKILLs `pid` `afterMs` later: the kill lands while partnerd
   * takes the answer in, extracts the token, or writes the journal.
   */
  | { op: "killAfterAnswer"; pid: number; afterMs: number }
  | { op: "snapshot" }
  | { op: "close" };

export interface HostSnapshot {
  caPem: string;
  url: string;
  issued: string[];
  requests: {
    clientId: string;
    grantType: string;
    status: number;
    at: number;
    presented?: string;
    issued?: string;
    errorCode?: number;
  }[];
  /** Kill times (ms) of kills this host did. */
  kills: number[];
}

const entra = await FakeEntra.start({ rotation: "keep-old" });
const kills: number[] = [];

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case "registerClient":
      return entra.registerClient({ clientId: request.clientId, clientSecret: request.clientSecret });
    case "issueRefreshToken":
      return entra.issueRefreshToken({ clientId: request.clientId, value: request.value });
    case "rotation":
      entra.rotation = request.mode;
      return;
    case "latency":
      entra.latencyMs = request.ms;
      return;
    case "failNext":
      return entra.failNext(request.count, {
        status: request.status,
        ...(request.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: request.retryAfterSeconds }),
      });
    case "killOnNextRedeem": {
      const held = entra.hold();
      void held.arrived.then(() => {
        try {
          process.kill(request.pid, "SIGKILL");
          kills.push(Date.now());
        } catch {
          // Already gone.
        }
        // The provider already has the request: it rotates, the answer reaches nobody.
        setTimeout(() => held.release(), 20);
      });
      return;
    }
    case "killAfterAnswer": {
      const held = entra.hold();
      void held.arrived.then(() => {
        held.release();
        setTimeout(() => {
          try {
            process.kill(request.pid, "SIGKILL");
            kills.push(Date.now());
          } catch {
            // Already gone.
          }
        }, request.afterMs);
      });
      return;
    }
    case "snapshot":
      return {
        caPem: entra.caPem,
        url: entra.url,
        issued: entra.issuedTokens(),
        requests: entra.tokenRequests.map((r) => ({
          clientId: r.clientId,
          grantType: r.grantType,
          status: r.status,
          at: r.at.getTime(),
          ...(r.presentedRefreshToken ? { presented: r.presentedRefreshToken } : {}),
          ...(r.issuedRefreshToken ? { issued: r.issuedRefreshToken } : {}),
          ...(r.errorCode === undefined ? {} : { errorCode: r.errorCode }),
        })),
        kills,
      } satisfies HostSnapshot;
    case "close":
      await entra.close();
      setImmediate(() => process.exit(0));
      return;
  }
}

process.on("message", (message: { id: number; request: HostRequest }) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: Error) => process.send?.({ id: message.id, error: error.message }),
  );
});
process.send?.({ ready: true });
