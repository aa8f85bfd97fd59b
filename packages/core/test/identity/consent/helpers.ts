import { connect, createServer, type Server } from "node:net";
import type { LogFields, Logger } from "../../../src/log/logger.ts";

export interface LogEntry {
  level: string;
  message: string;
  fields: LogFields;
}

/** A logger that keeps every line, child fields included, for "nothing secret was logged" checks. */
export function captureLogger(
  entries: LogEntry[] = [],
  bound: LogFields = {},
): Logger & { entries: LogEntry[] } {
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      entries.push({ level, message, fields: { ...bound, ...fields } });
  return {
    entries,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (fields) => captureLogger(entries, { ...bound, ...fields }),
  };
}

/** Listens on host:port with a plain TCP server; undefined when that address cannot be bound. */
export function occupy(port: number, host = "127.0.0.1"): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(undefined));
    server.listen({ port, host, ipv6Only: host === "::1" }, () => resolve(server));
  });
}

export function release(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/** Whether this machine has an IPv6 loopback we can listen on. */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = await occupy(0, "::1");
  await release(server);
  return server !== undefined;
}

/** Connects and reports whether anything accepted. */
export function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
