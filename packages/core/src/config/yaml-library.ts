import { createRequire } from "node:module";

type YamlLibrary = typeof import("yaml");

let library: YamlLibrary | undefined;

/**
 * The `yaml` library, loaded on first use (72 modules, ~20 ms of a cold start): plain configs are read
 * by js-yaml (`plain-yaml.ts`), and `yaml` is needed only to read the others and to locate an issue.
 */
export function yamlLibrary(): YamlLibrary {
  library ??= createRequire(import.meta.url)("yaml") as YamlLibrary;
  return library;
}
