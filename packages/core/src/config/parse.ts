import type { Document, Node } from "yaml";
import type { ConfigIssue } from "../errors.ts";
import { type ConfigPath, createLocator, type Locator } from "./locate.ts";
import { parsePlainYaml } from "./plain-yaml.ts";
import { yamlLibrary } from "./yaml-library.ts";

/** A config file parsed with positions. JSON files go through the same parser: JSON is YAML. */
export interface ConfigSource {
  file: string;
  /** The plain data; `undefined` when the file could not be parsed. */
  data: unknown;
  locate: Locator;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/**
 * The first line of a `yaml` message, without the source text some messages quote after a colon
 * (`Unexpected scalar token in YAML stream: "<text>"`): that text may be a pasted token, and the
 * line and column already point at it.
 */
function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, "").replace(/:\s.*$/, "");
}

function positioned(
  file: string,
  lineCounter: { linePos(offset: number): { line: number; col: number } },
  offset: number,
  message: string,
  path = "",
): ConfigIssue {
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col, path, message };
}

/** The path of every mapping key, by offset, for duplicate keys the parser reports by offset. */
function keyPathsByOffset(doc: Document): Map<number, ConfigPath> {
  const { isPair, isScalar, isSeq, visit } = yamlLibrary();
  const paths = new Map<number, ConfigPath>();
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isScalar(pair.key) || !pair.key.range) return;
      const path: (string | number)[] = [];
      ancestors.forEach((ancestor, i) => {
        if (isPair(ancestor) && isScalar(ancestor.key)) path.push(String(ancestor.key.value));
        else if (isSeq(ancestor)) path.push(ancestor.items.indexOf(ancestors[i + 1] as never));
      });
      path.push(String(pair.key.value));
      paths.set(pair.key.range[0], path);
    },
  });
  return paths;
}

/**
 * Offsets of repeated keys, one pass with a set per mapping: the parser's own `uniqueKeys` check
 * compares every key with every earlier one, quadratic in the number of profiles (2.7 s at 10,000).
 */
function duplicateKeyOffsets(doc: Document): number[] {
  const { isScalar, visit } = yamlLibrary();
  const offsets: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value) && pair.key.range) offsets.push(pair.key.range[0]);
        seen.add(pair.key.value);
      }
    },
  });
  return offsets;
}

/**
 * Reads config text: plain YAML (nearly every config) through the fast path, anything else, and every
 * text with a problem, through `yaml`, which reports each problem with its line and column.
 */
export function parseSource(file: string, text: string): ConfigSource {
  const data = parsePlainYaml(text);
  if (data === undefined) return parseSourceWithYaml(file, text);
  return { file, data, locate: reparsingLocator(file, text), errors: [], warnings: [] };
}

/** The exact path: `yaml`'s document, its errors and warnings, and the checks partnerd adds. */
export function parseSourceWithYaml(file: string, text: string): ConfigSource {
  const { isScalar, LineCounter, parseDocument, visit } = yamlLibrary();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const locate = createLocator(file, doc, lineCounter);
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const duplicates = duplicateKeyOffsets(doc);

  if (doc.errors.length > 0 || duplicates.length > 0) {
    const keyPaths = keyPathsByOffset(doc);
    const found = [
      ...doc.errors,
      ...duplicates.map((offset) => ({ code: "DUPLICATE_KEY", pos: [offset] as const, message: "" })),
    ];
    for (const error of found) {
      // Indentation errors point at the start of the line; the author looks for the first character.
      let offset = error.pos[0];
      while (text[offset] === " " || text[offset] === "\t") offset++;
      if (error.code === "DUPLICATE_KEY") {
        const path = keyPaths.get(offset) ?? [];
        const key = path.at(-1);
        const parent = path.slice(0, -1).join(".");
        const message = key === undefined ? "duplicate key" : `duplicate key "${key}"`;
        errors.push(positioned(file, lineCounter, offset, message, parent));
      } else {
        errors.push(positioned(file, lineCounter, offset, `YAML syntax error: ${firstLine(error.message)}`));
      }
    }
    return { file, data: undefined, locate, errors, warnings };
  }

  for (const warning of doc.warnings) {
    warnings.push(positioned(file, lineCounter, warning.pos[0], `YAML: ${firstLine(warning.message)}`));
  }

  // Keys must be plain names: a `? [list]` key would be silently stringified, and the schema's
  // records drop a `__proto__` key without a word.
  visit(doc, {
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const offset = (pair.key as Node).range?.[0] ?? 0;
        errors.push(positioned(file, lineCounter, offset, "keys must be plain names, not lists or mappings"));
      } else if (isScalar(pair.key) && pair.key.value === "__proto__") {
        const offset = pair.key.range?.[0] ?? 0;
        errors.push(positioned(file, lineCounter, offset, '"__proto__" cannot be used as a name'));
      }
    },
  });

  if (doc.contents === null) {
    errors.push({
      file,
      line: 1,
      column: 1,
      path: "",
      message: "the file is empty; it needs at least `profiles:`",
    });
  }
  // An alias to an undefined anchor fails only in toJS, without a position: find it first.
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) {
        const offset = alias.range?.[0] ?? 0;
        errors.push(
          positioned(
            file,
            lineCounter,
            offset,
            `YAML: unknown alias *${alias.source} (no &${alias.source} anchor before it)`,
          ),
        );
      }
    },
  });
  if (errors.length > 0) return { file, data: undefined, locate, errors, warnings };

  try {
    return { file, data: doc.toJS({ maxAliasCount: 100 }), locate, errors, warnings };
  } catch (error) {
    // Unresolved aliases and alias bombs surface only here.
    const message = error instanceof Error ? firstLine(error.message) : "could not be read";
    errors.push({ ...locate([]), message: `YAML: ${message}` });
    return { file, data: undefined, locate, errors, warnings };
  }
}

/**
 * A locator for a config that outlives its parsing (the daemon's): it keeps only the text and parses it
 * again on the first question, instead of holding the parsed document (~3 KB per profile) for good.
 */
export function reparsingLocator(file: string, text: string): Locator {
  let locate: Locator | undefined;
  return (path, mode) => {
    if (!locate) {
      const { LineCounter, parseDocument } = yamlLibrary();
      const lineCounter = new LineCounter();
      locate = createLocator(file, parseDocument(text, { lineCounter, uniqueKeys: false }), lineCounter);
    }
    return locate(path, mode);
  };
}
