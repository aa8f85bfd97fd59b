import type { PartnerdConfig } from "../../src/config/types.ts";
import { writeTestConfig } from "../stores/helpers.ts";

/** `partnerd.yaml` in `dir` with global `hooks:` lines and profile `pc` with its own `hooks:` lines. */
export function configWithHooks(
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
  return writeTestConfig(dir, text);
}
