import type { Logger } from "@partnerd/core";

/**
 * The sd_notify protocol (READY, STATUS, WATCHDOG, RELOADING, STOPPING) to `$NOTIFY_SOCKET`. Every call
 * is a no-op when systemd did not ask for notifications.
 */
export interface SystemdNotifier {
  /** Whether anything is sent (systemd asked for notifications and the socket could be made). */
  readonly enabled: boolean;
  /** Half of `WATCHDOG_USEC` in ms when systemd's watchdog is on for this process. */
  readonly watchdogIntervalMs: number | undefined;
  ready(status?: string): void;
  status(text: string): void;
  watchdog(): void;
  /** Before a SIGHUP reload; follow with `ready()` once the new config runs (or the old one is kept). */
  reloading(): void;
  stopping(status?: string): void;
  close(): void;
}

interface DatagramSender {
  sendTo(buf: Buffer, offset: number, length: number, path: string, done: (error?: Error) => void): void;
  close(): void;
}

const disabled: SystemdNotifier = {
  enabled: false,
  watchdogIntervalMs: undefined,
  ready() {},
  status() {},
  watchdog() {},
  reloading() {},
  stopping() {},
  close() {},
};

/**
 * Node has no Unix datagram sockets; node-unix-socket adds them (prebuilt N-API binaries, no compiler
 * at install). Spawning `systemd-notify` instead would need NotifyAccess=all, because its messages come
 * from a child's PID, and a process per watchdog ping.
 */
export async function createSystemdNotifier(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SystemdNotifier> {
  const address = env.NOTIFY_SOCKET;
  if (!address) return disabled;
  // An abstract socket ("@name") is addressed with a leading NUL byte.
  const path = address.startsWith("@") ? `\0${address.slice(1)}` : address;
  let socket: DatagramSender;
  try {
    const { DgramSocket } = (await import("node-unix-socket")).default;
    socket = new DgramSocket();
  } catch (error) {
    logger.warn("cannot notify systemd: no Unix datagram socket support", {
      error: (error as Error).message,
    });
    return disabled;
  }
  let warned = false;
  const send = (message: string) => {
    const buf = Buffer.from(message);
    socket.sendTo(buf, 0, buf.length, path, (error) => {
      if (error && !warned) {
        warned = true;
        logger.warn("cannot notify systemd", { socket: address, error: error.message });
      }
    });
  };
  const withStatus = (line: string, status: string | undefined) =>
    status === undefined ? line : `${line}\nSTATUS=${oneLine(status)}`;
  let closed = false;
  return {
    enabled: true,
    watchdogIntervalMs: watchdogIntervalMs(env),
    ready: (status) => send(withStatus("READY=1", status)),
    status: (text) => send(`STATUS=${oneLine(text)}`),
    watchdog: () => send("WATCHDOG=1"),
    reloading: () => send(`RELOADING=1\nMONOTONIC_USEC=${monotonicMicros()}`),
    stopping: (status) => send(withStatus("STOPPING=1", status)),
    close: () => {
      if (closed) return;
      closed = true;
      // Let the last datagram (STOPPING=1) leave before the socket goes away.
      setImmediate(() => socket.close());
    },
  };
}

function watchdogIntervalMs(env: NodeJS.ProcessEnv): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  // WATCHDOG_PID names the process the watchdog is for; a child that inherited the variables is not it.
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** CLOCK_MONOTONIC in µs, which is what Node's hrtime reads on Linux. */
function monotonicMicros(): string {
  return (process.hrtime.bigint() / 1000n).toString();
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
