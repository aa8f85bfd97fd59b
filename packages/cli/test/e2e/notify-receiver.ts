import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import unixSocket from "node-unix-socket";

/** A fake systemd: a Unix datagram socket bound where `NOTIFY_SOCKET` points, recording every message. */
export class NotifyReceiver {
  readonly path: string;
  readonly messages: string[] = [];
  readonly #socket: InstanceType<typeof unixSocket.DgramSocket>;

  private constructor(path: string) {
    this.path = path;
    this.#socket = new unixSocket.DgramSocket();
    this.#socket.bind(path);
    this.#socket.on("data", (data: Buffer) => this.messages.push(data.toString("utf8")));
  }

  static async bind(): Promise<NotifyReceiver> {
    return new NotifyReceiver(join(await mkdtemp(join(tmpdir(), "partnerd-notify-")), "notify.sock"));
  }

  /** The messages carrying `key=` (e.g. "READY"), each as its parsed `KEY=value` lines. */
  with(key: string): Record<string, string>[] {
    return this.messages
      .map((message) =>
        Object.fromEntries(
          message
            .split("\n")
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        ),
      )
      .filter((fields) => key in fields);
  }

  close(): void {
    this.#socket.close();
  }
}
