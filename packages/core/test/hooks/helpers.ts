import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import type { PartnerdConfig } from "../../src/config/types.ts";
import type { LogFields, Logger } from "../../src/log/logger.ts";

/** `partnerd.yaml` in `dir` with global `hooks:` lines and profile `pc` with its own `hooks:` lines. */
export async function configWithHooks(
  dir: string,
  {
    global = [],
    profile = [],
    profileLines = [],
  }: { global?: string[]; profile?: string[]; profileLines?: string[] },
): Promise<PartnerdConfig> {
  const indent = (lines: string[], by: string) => lines.map((line) => `${by}${line}`);
  const text = [
    "stateDir: ./state",
    ...(global.length > 0 ? ["hooks:", ...indent(global, "  ")] : []),
    "profiles:",
    "  pc:",
    "    applicationId: app-1",
    "    scopes: [https://graph.microsoft.com/.default]",
    ...indent(profileLines, "    "),
    ...(profile.length > 0 ? ["    hooks:", ...indent(profile, "      ")] : []),
    "",
  ].join("\n");
  const file = join(dir, "partnerd.yaml");
  await writeFile(file, text);
  const result = await parseConfig(text, { file, env: { HOME: dir } });
  if (result.errors) throw new Error(`test config is invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export interface LoggedLine extends LogFields {
  level: string;
  msg: string;
}

/** A logger that keeps every line, with its bound fields, as JSON would print it. */
export function memoryLogger(
  lines: LoggedLine[] = [],
  bound: LogFields = {},
): Logger & { lines: LoggedLine[] } {
  const log = (level: string) => (msg: string, fields?: LogFields) =>
    void lines.push(JSON.parse(JSON.stringify({ level, msg, ...bound, ...fields })) as LoggedLine);
  return {
    lines,
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => memoryLogger(lines, { ...bound, ...fields }),
  };
}
