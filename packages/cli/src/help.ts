import type { Command } from "commander";

/** Where the guide lives; each command's help links the section that explains it. */
export const README_URL = "https://github.com/partnerd/partnerd#readme";
const section = (anchor: string) => `https://github.com/partnerd/partnerd#${anchor}`;

export const EXIT_CODES = `Exit codes:
  0  success
  1  runtime failure (a refresh failed, a store could not be written, a hook failed, a sign-in was cancelled)
  2  bad config or usage (the message names the file, line and field)`;

interface CommandHelp {
  examples: string[];
  link: string;
}

const HELP: Record<string, CommandHelp> = {
  run: {
    examples: [
      "partnerd run                              # every profile on its schedule (config found from the current folder up)",
      "partnerd run -c /etc/partnerd/partnerd.yaml --log-format json",
      "systemctl enable --now partnerd           # the same under systemd (examples/systemd)",
    ],
    link: section("running-under-systemd"),
  },
  refresh: {
    examples: [
      "partnerd refresh partner-center           # redeem and rotate now; exit 1 if it fails",
      "partnerd refresh partner-center --log-level debug",
    ],
    link: section("what-happens-on-each-refresh"),
  },
  login: {
    examples: [
      "partnerd login partner-center             # browser sign-in on a free port 8400-8999",
      "partnerd login partner-center --no-browser --ports 9400-9499   # headless: open the URL through an SSH tunnel",
      "partnerd login exo --device-code          # device code: approve on another device",
    ],
    link: section("using-it"),
  },
  token: {
    examples: [
      "TOKEN=$(partnerd token partner-center)    # an access token for a script",
      "partnerd token partner-center --json      # the cmdlet's AuthResult shape",
      "partnerd token partner-center --tenant contoso.onmicrosoft.com --scopes https://graph.microsoft.com/.default",
      "partnerd token --refresh-token-file - --client-id $APP --scopes https://api.partnercenter.microsoft.com/user_impersonation < rt.txt",
      "partnerd token --service-principal --client-id $APP --client-secret-file secret.txt --tenant-id contoso.com --scopes https://graph.microsoft.com/.default",
    ],
    link: section("porting-a-new-partneraccesstoken-script"),
  },
  status: {
    examples: [
      "partnerd status                           # a table; exit 1 when a profile needs consent or is failing",
      "partnerd status --json | jq '.[] | {profile, health, daysUntilInactivityExpiry}'",
    ],
    link: section("using-it"),
  },
  validate: {
    examples: [
      "partnerd validate",
      "partnerd validate -c ./partnerd.yaml   # every problem at once, with file:line:column",
    ],
    link: section("config-reference"),
  },
  schema: {
    examples: [
      "partnerd schema > partnerd.schema.json    # then: # yaml-language-server: $schema=./partnerd.schema.json",
    ],
    link: section("config-reference"),
  },
  hooks: {
    examples: [
      "partnerd hooks test partner-center --event failed      # fire its hooks with a sample payload",
      "partnerd hooks test partner-center --event refreshed",
    ],
    link: section("hooks"),
  },
  doctor: {
    examples: [
      "partnerd doctor                           # every check; exit 0 only when none fails",
      "partnerd doctor partner-center --json",
    ],
    link: section("checking-a-machine-partnerd-doctor"),
  },
  completion: {
    examples: [
      "echo 'eval \"$(partnerd completion bash)\"' >> ~/.bashrc",
      "partnerd completion zsh > ~/.zfunc/_partnerd   # with fpath+=(~/.zfunc) before compinit in ~/.zshrc",
      "partnerd completion fish > ~/.config/fish/completions/partnerd.fish",
    ],
    link: section("using-it"),
  },
};

/** Examples, exit codes and a link to the README under every command's --help, as `gh` does. */
export function addHelpTexts(program: Command): void {
  program.addHelpText(
    "after",
    `\nExamples:\n  partnerd login partner-center\n  partnerd run\n  partnerd status\n\n${EXIT_CODES}\n\nLearn more: ${README_URL}\n`,
  );
  for (const command of program.commands) {
    const help = HELP[command.name()];
    if (!help) throw new Error(`command "${command.name()}" has no help examples`);
    command.addHelpText(
      "after",
      `\nExamples:\n${help.examples.map((line) => `  ${line}`).join("\n")}\n\n${EXIT_CODES}\n\nLearn more: ${help.link}\n`,
    );
  }
}
