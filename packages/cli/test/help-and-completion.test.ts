import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PARTNERD_BIN, runPartnerd } from "./e2e/harness.ts";

const COMMANDS = ["run", "refresh", "login", "token", "status", "validate", "schema", "completion"];

describe("--help", () => {
  it("every command shows examples, the exit codes and a link to its README section", async () => {
    for (const command of [undefined, ...COMMANDS]) {
      const result = await runPartnerd(command ? [command, "--help"] : ["--help"]);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(/\nExamples:\n {2}.*partnerd /);
      expect(result.stdout, command).toContain("Exit codes:\n  0  success\n  1  runtime failure");
      expect(result.stdout, command).toMatch(/Learn more: https:\/\/github\.com\/partnerd\/partnerd#\S+/);
    }
  });
});

describe("partnerd completion", () => {
  /** What bash offers after `words`, using the script as a user's shell would load it. */
  async function bashCompletes(...words: string[]): Promise<string[]> {
    const script = [
      `eval "$(${JSON.stringify(process.execPath)} ${JSON.stringify(PARTNERD_BIN)} completion bash)"`,
      `COMP_WORDS=(partnerd ${words.map((w) => `'${w}'`).join(" ")})`,
      `COMP_CWORD=${words.length}`,
      "_partnerd",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash array expansion, not a template
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join("\n");
    const { stdout } = await promisify(execFile)("bash", ["-c", script]);
    return stdout.split("\n").filter(Boolean);
  }

  it("bash completes commands, their options and option values", async () => {
    expect(await bashCompletes("to")).toEqual(["token"]);
    expect(await bashCompletes("token", "--client-")).toEqual(["--client-id", "--client-secret-file"]);
    expect(await bashCompletes("status", "--log-level", "w")).toEqual(["warn"]);
    expect(await bashCompletes("refresh", "--ver")).toEqual([]); // --version is the program's alone
  });

  it("zsh and fish scripts name every command; an unknown shell is a usage error", async () => {
    for (const shell of ["zsh", "fish"]) {
      const result = await runPartnerd(["completion", shell]);
      expect(result.code).toBe(0);
      for (const command of COMMANDS) expect(result.stdout, shell).toContain(command);
    }
    expect((await runPartnerd(["completion", "zsh"])).stdout).toMatch(/^#compdef partnerd\n/);
    expect((await runPartnerd(["completion", "fish"])).stdout).toContain(
      "complete -c partnerd -n '__fish_seen_subcommand_from token' -l client-id -r",
    );
    const unknown = await runPartnerd(["completion", "powershell"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("bash, zsh, fish");
  });
});
