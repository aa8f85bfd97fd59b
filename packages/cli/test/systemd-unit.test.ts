import { execFileSync, spawnSync } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const UNIT = fileURLToPath(new URL("../../../examples/systemd/partnerd.service", import.meta.url));
const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

describe("examples/systemd/partnerd.service", () => {
  it("is a notify service that a global npm install can start, and a config error does not restart", async () => {
    const unit = await readFile(UNIT, "utf8");
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/partnerd run /m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^WatchdogSec=/m);
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=/m);
  });

  it.skipIf(!hasSystemdAnalyze)("scores below 2.0 in systemd-analyze security", () => {
    const report = execFileSync("systemd-analyze", ["security", "--offline=yes", UNIT], { encoding: "utf8" });
    const score = Number(/Overall exposure level for partnerd\.service: ([\d.]+)/.exec(report)?.[1]);
    expect(score).toBeLessThan(2.0);
  });

  it.skipIf(!hasSystemdAnalyze)("passes systemd-analyze verify without a warning", async () => {
    // verify insists that ExecStart exists: point it at a stand-in, keep every other line as shipped.
    const dir = await mkdtemp(join(tmpdir(), "partnerd-unit-"));
    const binary = join(dir, "partnerd");
    await writeFile(binary, "#!/bin/sh\n");
    await chmod(binary, 0o755);
    const unit = (await readFile(UNIT, "utf8")).replace(
      "ExecStart=/usr/local/bin/partnerd",
      `ExecStart=${binary}`,
    );
    await writeFile(join(dir, "partnerd.service"), unit);
    const result = spawnSync("systemd-analyze", ["verify", join(dir, "partnerd.service")], {
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
