import { spawn } from "node:child_process";

export interface OpenBrowserOptions {
  /** Defaults to `process.platform`. */
  platform?: NodeJS.Platform;
  /** Environment for the launcher (PATH, DISPLAY, …); defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** A launcher still running after this long counts as launched; 1 s by default. */
  settleMs?: number;
}

/** The command that opens `url` in the default browser, as an argv array (never a shell string on POSIX). */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
): { command: string; args: string[]; verbatim: boolean } {
  if (platform === "darwin") return { command: "open", args: [url], verbatim: false };
  if (platform === "win32") {
    // `cmd /c start "" <url>`: the empty title keeps `start` from taking a quoted URL as the window title,
    // and cmd's metacharacters are caret-escaped (the cmdlet escaped `&` only). `href` already
    // percent-encodes quotes, spaces and `%`-free control characters.
    const escaped = url.replace(/[&|<>^()]/g, "^$&");
    return { command: "cmd.exe", args: ["/d", "/c", "start", '""', escaped], verbatim: true };
  }
  return { command: "xdg-open", args: [url], verbatim: false };
}

/**
 * Opens `url` in the default browser: `xdg-open` (Linux and other Unixes), `open` (macOS),
 * `cmd /c start` (Windows). Resolves `false` when that cannot work, so the caller prints the URL instead:
 * not an http(s) URL, no graphical session on Linux, launcher missing (ENOENT), or a non-zero exit within
 * about a second. Logs nothing; showing the URL is the caller's business.
 */
export async function openBrowser(url: string, options: OpenBrowserOptions = {}): Promise<boolean> {
  let href: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
    href = parsed.href;
  } catch {
    return false;
  }
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  // Without a display, xdg-open falls back to a terminal browser (lynx, w3m) that would fight partnerd for
  // the terminal; printing the URL serves a headless server better. WSL and $BROWSER users opt back in.
  if (platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY && !env.BROWSER && !env.WSL_DISTRO_NAME) {
    return false;
  }
  const { command, args, verbatim } = browserCommand(href, platform);
  const settleMs = options.settleMs ?? 1_000;

  return new Promise<boolean>((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: "ignore",
        env,
        windowsHide: true,
        windowsVerbatimArguments: verbatim,
      });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      // Still running: some launchers stay for the browser's lifetime. Let it live on without us.
      child.removeAllListeners();
      child.on("error", () => {});
      child.unref();
      resolve(true);
    }, settleMs);
    child.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 && signal === null);
    });
  });
}
