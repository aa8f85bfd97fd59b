import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { browserCommand, openBrowser } from "../../../src/identity/consent/open-browser.ts";

const URL_WITH_QUERY =
  "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=abc&scope=openid%20offline_access&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2F&state=s(1)";

describe("browserCommand", () => {
  it("uses xdg-open / open with the URL as one argv element", () => {
    expect(browserCommand(URL_WITH_QUERY, "linux")).toEqual({
      command: "xdg-open",
      args: [URL_WITH_QUERY],
      verbatim: false,
    });
    expect(browserCommand(URL_WITH_QUERY, "freebsd").command).toBe("xdg-open");
    expect(browserCommand(URL_WITH_QUERY, "darwin")).toEqual({
      command: "open",
      args: [URL_WITH_QUERY],
      verbatim: false,
    });
  });

  it('uses cmd /c start "" with cmd metacharacters caret-escaped on Windows', () => {
    const { command, args, verbatim } = browserCommand("https://x.test/a?b=1&c=2|3(4)^", "win32");
    expect(command).toBe("cmd.exe");
    expect(verbatim).toBe(true);
    expect(args).toEqual(["/d", "/c", "start", '""', "https://x.test/a?b=1^&c=2^|3^(4^)^^"]);
  });
});

/** A settle time no launcher here comes near: these launchers settle by exiting. */
const LONG = 60_000;

/** The pid a fake launcher wrote, once it has (a gate on the file, not a sleep). */
async function launcherPid(pidFile: string): Promise<number> {
  let pid = Number.NaN;
  await vi.waitFor(
    async () => {
      pid = Number((await readFile(pidFile, "utf8")).trim());
      expect(Number.isInteger(pid) && pid > 0).toBe(true);
    },
    { timeout: 10_000, interval: 10 },
  );
  return pid;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to the detached launcher's process group; nothing when it is gone already. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

describe.skipIf(process.platform === "win32")("openBrowser (with a fake xdg-open)", () => {
  let dir = "";
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${dir}:/usr/bin:/bin`,
    DISPLAY: ":99",
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "partnerd-open-browser-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeLauncher(body: string): Promise<void> {
    const path = join(dir, "xdg-open");
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
  }

  it("passes the URL as a single argument, no shell involved, and reports success", async () => {
    const out = join(dir, "argv");
    await fakeLauncher(`for a in "$@"; do printf '%s\\n' "$a"; done > '${out}'; exit 0`);
    const tricky = `${URL_WITH_QUERY}&x=$(touch%20pwned)`;
    // A settle time the launcher cannot outlast: success comes from its exit code 0, after it wrote argv.
    await expect(openBrowser(tricky, { platform: "linux", env: env(), settleMs: LONG })).resolves.toBe(true);
    expect(await readFile(out, "utf8")).toBe(`${new URL(tricky).href}\n`);
  });

  it("reports false when the launcher exits non-zero soon", async () => {
    await fakeLauncher("exit 3");
    await expect(
      openBrowser(URL_WITH_QUERY, { platform: "linux", env: env(), settleMs: LONG }),
    ).resolves.toBe(false);
  });

  it("reports true when the launcher is still running after the settle time", async () => {
    const pidFile = join(dir, "pid");
    // Writes its pid (also its process group: openBrowser detaches it), then stays until killed.
    await fakeLauncher(`echo $$ > '${pidFile}.tmp' && mv '${pidFile}.tmp' '${pidFile}'; exec sleep 30`);
    let launched: Promise<boolean> | undefined;
    try {
      launched = openBrowser(URL_WITH_QUERY, { platform: "linux", env: env(), settleMs: 100 });
      await expect(launched).resolves.toBe(true);
      const pid = await launcherPid(pidFile);
      expect(isRunning(pid)).toBe(true); // still there: true came from the settle time, not from an exit
    } finally {
      await launched?.catch(() => undefined);
      // Whatever failed above, the `sleep 30` must not outlive the test.
      const pid = await launcherPid(pidFile).catch(() => undefined);
      if (pid !== undefined) killGroup(pid);
    }
  });

  it("reports false when there is no launcher (ENOENT)", async () => {
    await expect(
      openBrowser(URL_WITH_QUERY, { platform: "linux", env: { PATH: join(dir, "empty"), DISPLAY: ":99" } }),
    ).resolves.toBe(false);
  });

  it("reports false without a graphical session on Linux, and for non-http(s) URLs", async () => {
    await fakeLauncher("exit 0");
    await expect(openBrowser(URL_WITH_QUERY, { platform: "linux", env: { PATH: dir } })).resolves.toBe(false);
    await expect(openBrowser("file:///etc/passwd", { platform: "linux", env: env() })).resolves.toBe(false);
    await expect(openBrowser("not a url", { platform: "linux", env: env() })).resolves.toBe(false);
  });
});
