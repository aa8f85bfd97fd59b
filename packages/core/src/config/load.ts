import { dirname, resolve } from "node:path";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { type FindConfigOptions, findConfigFile } from "./find.ts";
import type { ConfigPath } from "./locate.ts";
import { normalizeConfig } from "./normalize.ts";
import { parseSource, reparsingLocator } from "./parse.ts";
import { resolveSecretRef, type SecretContext, type SecretFileRead } from "./resolve-secrets.ts";
import { runRules } from "./rules.ts";
import type { PartnerdConfig, SecretSource } from "./types.ts";
import { profileEntries, validateSchema } from "./validate.ts";

export interface LoadConfigOptions extends FindConfigOptions {
  /** Where `{ env: NAME }` references and `$STATE_DIRECTORY` etc. are read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * `skip`: leave the app's secret references unread (profiles look like public clients), for commands
   * that never talk to the identity provider, such as `status` run by a monitoring check without them.
   */
  secrets?: "resolve" | "skip";
}

export interface LoadedConfig {
  config: PartnerdConfig;
  /** Problems that do not stop partnerd, e.g. a profile without a schedule. */
  warnings: ConfigIssue[];
}

/** The outcome of checking a config: a usable config, or every error found. Warnings either way. */
export type ConfigResult =
  | { config: PartnerdConfig; errors: undefined; warnings: ConfigIssue[] }
  | { config: undefined; errors: ConfigIssue[]; warnings: ConfigIssue[] };

export interface ParseConfigOptions {
  /** Path of the file `text` came from; relative paths in the config resolve from its folder. */
  file: string;
  env?: NodeJS.ProcessEnv;
  secrets?: "resolve" | "skip";
}

/** In file order; issues without a position (the file as a whole) first. */
function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/**
 * Checks config text completely — syntax, schema, cross-field rules, secret references — and
 * returns every problem at once instead of stopping at the first.
 */
export async function parseConfig(text: string, options: ParseConfigOptions): Promise<ConfigResult> {
  const file = resolve(options.file);
  const dir = dirname(file);
  const env = options.env ?? process.env;

  const source = parseSource(file, text);
  if (source.errors.length > 0) {
    return { config: undefined, errors: source.errors.sort(byPosition), warnings: source.warnings };
  }

  const { checked, errors } = validateSchema(source.data, source.locate);
  // The schema's output is what the rest works on: the file's own data (~6 MB at 10,000 profiles)
  // need not stay in memory through the rules, the secrets and normalizing.
  source.data = undefined;
  const warnings = [...source.warnings];
  const located = (path: ConfigPath, message: string, mode?: "key" | "value"): ConfigIssue => ({
    ...source.locate(path, mode),
    message,
  });

  await runRules({
    config: checked,
    dir,
    env,
    error: (path, message) => errors.push(located(path, message)),
    warn: (path, message) => warnings.push(located(path, message, "key")),
  });

  const secrets = new Map<string, SecretSource>();
  // Many profiles name one secret file: each file is read once (and its Secret shared).
  const secretContext: SecretContext = {
    dir,
    env,
    fileReads: new Map<string, Promise<SecretFileRead>>(),
    error: (at, message) => errors.push(located(at, message)),
    warn: (at, message) => warnings.push(located(at, message)),
  };
  for (const [name, profile] of options.secrets === "skip" ? [] : profileEntries(checked)) {
    const references = [
      ["clientSecret", profile.clientSecret],
      ["clientCertificate.certificate", profile.clientCertificate?.certificate],
      ["clientCertificate.privateKey", profile.clientCertificate?.privateKey],
    ] as const;
    for (const [field, reference] of references) {
      if (reference === undefined) continue;
      const path = ["profiles", name, ...field.split(".")];
      const resolved = await resolveSecretRef(reference, path, secretContext);
      if (resolved) secrets.set(`profiles.${name}.${field}`, resolved);
    }
  }

  warnings.sort(byPosition);
  if (errors.length > 0 || checked.parsed === undefined) {
    return { config: undefined, errors: errors.sort(byPosition), warnings };
  }
  const config = normalizeConfig({
    file,
    parsed: checked.parsed,
    env,
    secrets,
    locate: reparsingLocator(file, text),
  });
  return { config, errors: undefined, warnings };
}

/**
 * Finds, reads and checks the config file (see `findConfigFile` for where it looks).
 * Throws `ConfigError` carrying every problem found.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const found = await findConfigFile(options);
  const result = await parseConfig(found.text, {
    file: found.file,
    env: options.env,
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  if (result.errors) throw new ConfigError(result.errors);
  return { config: result.config, warnings: result.warnings };
}
