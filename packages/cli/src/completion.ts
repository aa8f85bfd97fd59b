import type { Command, Option } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Spec {
  name: string;
  description: string;
  options: { flags: string[]; description: string; takesValue: boolean; choices: string[] }[];
}

/** A completion script for `shell`, generated from the program itself so that it never goes stale. */
export function completionScript(shell: Shell, program: Command): string {
  const globals = optionsOf(program.options as Option[]);
  const commands: Spec[] = program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    // --version belongs to the program alone; the other global options work after any command.
    options: [
      ...optionsOf(command.options as Option[]),
      ...globals.filter((o) => !o.flags.includes("--version")),
    ],
  }));
  return { bash, zsh, fish }[shell](commands, globals);
}

function optionsOf(options: readonly Option[]): Spec["options"] {
  return options
    .filter((option) => !option.hidden)
    .map((option) => ({
      flags: [option.long, option.short].filter((flag): flag is string => flag !== undefined),
      description: option.description,
      takesValue: option.required || option.optional,
      choices: option.argChoices ?? [],
    }));
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

function bash(commands: Spec[], globals: Spec["options"]): string {
  const words = (options: Spec["options"]) => options.flatMap((o) => o.flags).join(" ");
  const cases = commands.map((c) => `    ${c.name}) opts=${quote(words(c.options))} ;;`).join("\n");
  const choices = [...commands.flatMap((c) => c.options), ...globals]
    .filter((o) => o.choices.length > 0)
    .map(
      (o) =>
        `    ${o.flags.join("|")}) COMPREPLY=($(compgen -W ${quote(o.choices.join(" "))} -- "$cur")); return ;;`,
    );
  return `# partnerd completion for bash: eval "$(partnerd completion bash)"
_partnerd() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts
  case "$prev" in
${[...new Set(choices)].join("\n")}
  esac
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(`${commands.map((c) => c.name).join(" ")} ${words(globals)} --help`)} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) opts="" ;;
  esac
  COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
}
complete -o default -F _partnerd partnerd
`;
}

function zsh(commands: Spec[], globals: Spec["options"]): string {
  const spec = (o: Spec["options"][number]) => {
    const value = o.takesValue ? `:value:${o.choices.length ? `(${o.choices.join(" ")})` : "_files"}` : "";
    const description = o.description.replaceAll("[", "(").replaceAll("]", ")").replaceAll(":", " -");
    const names = o.flags.length > 1 ? `{${o.flags.join(",")}}` : o.flags[0]!;
    return quote(`${names}[${description}]${value}`).replace(/^'\{(.*?)\}/, "{$1}'");
  };
  const cases = commands
    .map((c) => `    ${c.name}) _arguments -s ${c.options.map(spec).join(" ")} '*:file:_files' ;;`)
    .join("\n");
  return `#compdef partnerd
# partnerd completion for zsh: partnerd completion zsh > ~/.zfunc/_partnerd (fpath+=(~/.zfunc) before compinit)
_partnerd() {
  local -a commands
  commands=(
${commands.map((c) => `    ${quote(`${c.name}:${c.description.replaceAll(":", " -")}`)}`).join("\n")}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    _arguments -s ${globals.map(spec).join(" ")}
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${cases}
  esac
}
compdef _partnerd partnerd 2>/dev/null || true
`;
}

function fish(commands: Spec[], globals: Spec["options"]): string {
  const line = (condition: string, o: Spec["options"][number]) => {
    const long = o.flags.find((f) => f.startsWith("--"))?.slice(2);
    const short = o.flags.find((f) => !f.startsWith("--"))?.slice(1);
    const value = o.takesValue ? (o.choices.length ? ` -x -a ${quote(o.choices.join(" "))}` : " -r") : "";
    return `complete -c partnerd -n ${quote(condition)}${long ? ` -l ${long}` : ""}${short ? ` -s ${short}` : ""}${value} -d ${quote(o.description)}`;
  };
  return [
    "# partnerd completion for fish: partnerd completion fish > ~/.config/fish/completions/partnerd.fish",
    "complete -c partnerd -f",
    ...commands.map(
      (c) => `complete -c partnerd -n __fish_use_subcommand -a ${c.name} -d ${quote(c.description)}`,
    ),
    ...globals.map((o) => line("__fish_use_subcommand", o)),
    ...commands.flatMap((c) => c.options.map((o) => line(`__fish_seen_subcommand_from ${c.name}`, o))),
    "",
  ].join("\n");
}
