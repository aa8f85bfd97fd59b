import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { brief, cleanEnv, configIssues, testdir } from "./helpers.ts";

const profile = (name: string, extra = "") =>
  `  ${name}:\n    applicationId: 11111111-1111-1111-1111-111111111111\n    scopes: [https://graph.microsoft.com/.default]\n${extra}`;

describe("validate catches what would fail every tick", () => {
  it("refuses path-like secret names, over-long profile names and a stateDir that is a file, with positions", async () => {
    const long = `p${"x".repeat(249)}`;
    const dir = await testdir({
      "state-file": "not a folder",
      "partnerd.yaml": [
        "stateDir: ./state-file",
        "profiles:",
        profile("up", "    refreshToken: { name: ../../etc/shadow }\n"),
        profile("abs", "    refreshToken: { name: /etc/partnerd/secret }\n"),
        profile(long),
      ].join("\n"),
    });
    const issues = brief(
      await configIssues(loadConfig({ configPath: join(dir, "partnerd.yaml"), env: cleanEnv() })),
    );
    expect(issues).toEqual([
      `1:11 stateDir: ${join(dir, "state-file")} is a file, not a folder`,
      '6:27 profiles.up.refreshToken.name: "../../etc/shadow" is a path; expected a secret name (no leading "/", no ".." segments)',
      '11:27 profiles.abs.refreshToken.name: "/etc/partnerd/secret" is a path; expected a secret name (no leading "/", no ".." segments)',
      `13:3 profiles.${long}: profile name is 250 characters; at most 100 (it names files in the state folder)`,
    ]);
  });

  it("warns about a client secret file others can read, as ssh does for keys", async () => {
    const dir = await testdir({
      "client-secret": "SECRET-CANARY-value\n",
      "partnerd.yaml": `profiles:\n${profile("pc", "    clientSecret: { file: ./client-secret }\n")}`,
    });
    await chmod(join(dir, "client-secret"), 0o644);
    const { warnings } = await loadConfig({ configPath: join(dir, "partnerd.yaml"), env: cleanEnv() });
    expect(brief(warnings)).toContain(
      `5:27 profiles.pc.clientSecret.file: secret file ${join(dir, "client-secret")} is readable or writable by group or others (mode 0644); run: chmod 600 ${join(dir, "client-secret")}`,
    );
  });

  it("refuses UTF-16 and invalid UTF-8 config files, naming the encoding", async () => {
    const dir = await testdir();
    const text = `profiles:\n${profile("pc")}`;
    await writeFile(
      join(dir, "utf16.yaml"),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    );
    await writeFile(join(dir, "latin1.yaml"), Buffer.from(`# caf\xe9\n${text}`, "latin1"));
    const utf16 = await configIssues(loadConfig({ configPath: join(dir, "utf16.yaml"), env: cleanEnv() }));
    expect(brief(utf16)).toEqual(["-:- is UTF-16 encoded; save it as UTF-8"]);
    const latin1 = await configIssues(loadConfig({ configPath: join(dir, "latin1.yaml"), env: cleanEnv() }));
    expect(brief(latin1)).toEqual(["1:6 is not valid UTF-8 here; save the file as UTF-8"]);
  });

  it("reports an unknown YAML alias at its own line", async () => {
    const dir = await testdir({
      "partnerd.yaml":
        "profiles:\n  pc:\n    applicationId: 11111111-1111-1111-1111-111111111111\n    scopes: *missing\n",
    });
    const issues = await configIssues(
      loadConfig({ configPath: join(dir, "partnerd.yaml"), env: cleanEnv() }),
    );
    expect(brief(issues)).toEqual(["4:13 YAML: unknown alias *missing (no &missing anchor before it)"]);
  });
});
