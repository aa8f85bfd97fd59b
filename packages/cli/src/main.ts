import { readFileSync } from "node:fs";
import { Argument, Command, CommanderError, Option } from "commander";
import { completionScript, SHELLS, type Shell } from "./completion.ts";
import type { GlobalOptions } from "./context.ts";
import { addHelpTexts } from "./help.ts";

// Commands load on use: `--help` and `--version` should not pay for msal-node, zod and undici.
const commands = {
  run: () => import("./commands/run.ts"),
  refresh: () => import("./commands/refresh.ts"),
  validate: () => import("./commands/validate.ts"),
  schema: () => import("./commands/schema.ts"),
  login: () => import("./commands/login.ts"),
  token: () => import("./commands/token.ts"),
  status: () => import("./commands/status.ts"),
  hooks: () => import("./commands/hooks.ts"),
  doctor: () => import("./commands/doctor.ts"),
};

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

function buildProgram(): Command {
  const program = new Command("partnerd")
    .description("Keeps Microsoft Entra ID / Partner Center refresh tokens alive, unattended.")
    .version(version, "-V, --version")
    .option(
      "-c, --config <path>",
      "config file (default: partnerd.yaml, .partnerdrc.yaml, ... up from the current folder, then /etc/partnerd/partnerd.yaml)",
    )
    .addOption(
      new Option("--log-level <level>", "minimum log level").choices(["debug", "info", "warn", "error"]),
    )
    .addOption(
      new Option(
        "--log-format <format>",
        "log format (default: pretty on a terminal, json otherwise)",
      ).choices(["json", "pretty"]),
    )
    .showHelpAfterError()
    .exitOverride();

  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();

  program
    .command("run")
    .description("run every profile on its schedule until SIGTERM (SIGHUP reloads the config)")
    .action(async (_options, command: Command) => (await commands.run()).runCommand(globals(command)));
  program
    .command("refresh")
    .description("redeem and rotate one profile's refresh token now, once")
    .argument("<profile>", "profile name from the config")
    .action(async (profile: string, _options, command: Command) =>
      (await commands.refresh()).refreshCommand(profile, globals(command)),
    );
  program
    .command("login")
    .alias("consent")
    .description("sign in (browser or device code) and store the profile's first refresh token")
    .argument("<profile>", "profile name from the config")
    .option("--device-code", "use the device-code flow instead of a browser redirect")
    .option("--no-browser", "print the sign-in URL instead of opening a browser (headless servers)")
    .option("--ports <first-last>", "ports for the browser redirect listener (default 8400-8999)")
    .action(async (profile: string, _options, command: Command) =>
      (await commands.login()).loginCommand(profile, globals(command)),
    );
  program
    .command("token")
    .description(
      "print an access token for a profile, or for an ad-hoc request (New-PartnerAccessToken flags)",
    )
    .argument("[profile]", "profile name from the config; omit it to use the flags below")
    .option("--json", "print the cmdlet's AuthResult object as JSON")
    .option("--include-refresh-token", "with --json: include RefreshToken")
    .option("--no-browser", "print the sign-in URL instead of opening a browser")
    .optionsGroup("New-PartnerAccessToken flags (without a profile):")
    .option("--application-id <id>", "-ApplicationId")
    .option("--client-id <id>", "the same as --application-id")
    .option("--scopes <scope...>", "-Scopes")
    .option("--tenant <tenant>", "-Tenant (default: organizations)")
    .option("--tenant-id <tenant>", "the same as --tenant")
    .option("--environment <name>", "-Environment: AzureCloud, AzureChinaCloud, AzureUSGovernment, AzurePPE")
    .option("--authority <url>", "any other Entra-compatible authority (instead of --environment)")
    .option("--module <name>", "-Module ExchangeOnline")
    .option("--service-principal", "-ServicePrincipal")
    .option("--use-authorization-code", "-UseAuthorizationCode: browser sign-in with a loopback redirect")
    .option("--use-device-authentication", "-UseDeviceAuthentication")
    .option(
      "--client-secret-file <path|->",
      "the app's secret (the -Credential password), from a file or stdin",
    )
    .option("--certificate-file <path>", "PEM certificate (and key) instead of -CertificateThumbprint")
    .option("--private-key-file <path>", "PEM private key when not in --certificate-file")
    .option("--certificate-thumbprint <hex>", "the thumbprint the certificate must have")
    .option("--refresh-token-file <path|->", "-RefreshToken, from a file or stdin")
    .option("--access-token <path|->", "-AccessToken, from a file or stdin: described without a network call")
    .option("--ca-file <path>", "extra CA bundle for the identity provider's TLS")
    .action(async (profile: string | undefined, _options, command: Command) =>
      (await commands.token()).tokenCommand(profile, globals(command)),
    );
  program
    .command("status")
    .description("each profile's last refresh, next run and days until its refresh token expires if unused")
    .option("--json", "print the report as JSON")
    .action(async (_options, command: Command) => (await commands.status()).statusCommand(globals(command)));
  program
    .command("hooks")
    .description("check hooks before relying on them")
    .command("test")
    .description("fire a profile's hooks for one event with a sample payload (no token is sent)")
    .argument("<profile>", "profile name from the config")
    .requiredOption("--event <name>", "refreshed, failed, needs-consent, recovered or expiring")
    .action(async (profile: string, _options, command: Command) =>
      (await commands.hooks()).hooksTestCommand(profile, command.optsWithGlobals()),
    );
  program
    .command("doctor")
    .description(
      "live checks: config, identity provider (discovery, TLS, clock), a round trip through each store, permissions",
    )
    .argument("[profile]", "check only this profile and its stores")
    .option("--json", "print the checks as JSON")
    .action(async (profile: string | undefined, _options, command: Command) =>
      (await commands.doctor()).doctorCommand(profile, globals(command)),
    );
  program
    .command("validate")
    .description("check the config file and report every problem at once")
    .action(async (_options, command: Command) =>
      (await commands.validate()).validateCommand(globals(command)),
    );
  program
    .command("schema")
    .description("print the config file's JSON Schema")
    .action(async () => (await commands.schema()).schemaCommand());
  program
    .command("completion")
    .description("print a shell completion script")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, program));
    });
  addHelpTexts(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (isPartnerdError(error)) {
    process.stderr.write(`partnerd: ${error.message.split("\n").join("\npartnerd: ")}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `partnerd: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}

/** Duck-typed so that this file does not load @partnerd/core before a command needs it. */
function isPartnerdError(error: unknown): error is Error & { exitCode: number } {
  return (
    error instanceof Error &&
    typeof (error as { exitCode?: unknown }).exitCode === "number" &&
    "code" in error
  );
}
