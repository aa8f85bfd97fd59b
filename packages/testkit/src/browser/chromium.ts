import { accessSync, constants } from "node:fs";
import type { Browser, LaunchOptions } from "playwright-core";

/** Debian's `chromium` package; `./dev test` installs it when it can. `PARTNERD_CHROMIUM` overrides it. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Flags for a quiet, throwaway headless Chromium. Without the background-networking ones Chromium keeps
 * calling Google services, which on a closed network means a flood of failing connections. Playwright adds
 * a fresh temporary `--user-data-dir` for every launch and deletes it on close.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumPath(): string {
  return process.env.PARTNERD_CHROMIUM || DEFAULT_CHROMIUM_PATH;
}

/**
 * Why browser tests cannot run here, or `undefined` when they can. For `describe.skipIf(...)`:
 *
 *     describe.skipIf(chromiumSkipReason() !== undefined)("login in a real browser", ...)
 */
export function chromiumSkipReason(): string | undefined {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return (
      `no Chromium at ${path}, so the headless-browser tests are skipped; install Debian's chromium ` +
      "(`./dev test` does it when run as root with apt-get) or point PARTNERD_CHROMIUM at a Chromium binary"
    );
  }
}

export interface LaunchChromiumOptions {
  /** Extra command-line flags after the defaults. */
  args?: string[];
  /** Passed to Playwright's `launch` (e.g. `timeout`, `slowMo`); `executablePath`/`args` are ours. */
  launch?: Omit<LaunchOptions, "executablePath" | "args" | "headless">;
}

/**
 * Launches headless Chromium through playwright-core, or returns `undefined` after one line on stderr
 * saying why when there is no Chromium binary (never downloads one). Close it with `browser.close()`.
 *
 *     const browser = await launchChromium();
 *     if (!browser) return ctx.skip();
 *     const page = await browser.newPage();
 */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser | undefined> {
  const reason = chromiumSkipReason();
  if (reason !== undefined) {
    process.stderr.write(`launchChromium: ${reason}\n`);
    return undefined;
  }
  // Loaded on demand: importing @partnerd/testkit must not pull in playwright-core for everyone.
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    ...options.launch,
    executablePath: chromiumPath(),
    headless: true,
    chromiumSandbox: false,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
