import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    await expect(openBrowser(tricky, { platform: "linux", env: env() })).resolves.toBe(true);
    expect(await readFile(out, "utf8")).toBe(`${new URL(tricky).href}\n`);
  });

  it("reports false when the launcher exits non-zero soon", async () => {
    await fakeLauncher("exit 3");
    await expect(openBrowser(URL_WITH_QUERY, { platform: "linux", env: env() })).resolves.toBe(false);
  });

  it("reports true when the launcher is still running after the settle time", async () => {
    const pidFile = join(dir, "pid");
    await fakeLauncher(`echo $$ > '${pidFile}'; exec sleep 30`);
    await expect(openBrowser(URL_WITH_QUERY, { platform: "linux", env: env(), settleMs: 300 })).resolves.toBe(
      true,
    );
    process.kill(Number((await readFile(pidFile, "utf8")).trim()));
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
