import type { Document, LineCounter, Node, Pair, YAMLMap } from "yaml";
import type { ConfigIssue } from "../errors.ts";
import { yamlLibrary } from "./yaml-library.ts";

/** A path into the document: keys of mappings and indexes of lists. */
export type ConfigPath = readonly (string | number)[];

/** `["profiles", "pc", "schedule"]` → `profiles.pc.schedule`. */
export function formatPath(path: ConfigPath): string {
  return path.join(".");
}

/**
 * `key`: where the entry's key sits (unknown keys, a mapping missing a key).
 * `value`: where the value sits when it is on the key's line (scalars, `[flow]`), else the key.
 */
export type LocateMode = "key" | "value";

/** Turns paths into positions in one parsed document. */
export type Locator = (path: ConfigPath | string, mode?: LocateMode) => ConfigIssue;

interface Found {
  node: Node | null | undefined;
  key: Node | undefined;
  /** The whole path was present; otherwise `node`/`key` belong to the nearest ancestor. */
  exact: boolean;
}

function startOf(node: unknown): number | undefined {
  return (node as { range?: readonly number[] | null } | null | undefined)?.range?.[0] ?? undefined;
}

/** A value written on its key's line; an empty value (`key:`) is not written anywhere. */
function isInline(node: Node | null | undefined): boolean {
  const { isAlias, isCollection, isScalar } = yamlLibrary();
  const range = node?.range;
  if (range && range[0] === range[1]) return false;
  return isScalar(node) || isAlias(node) || (isCollection(node) && node.flow === true);
}

export function createLocator(file: string, doc: Document | undefined, lineCounter: LineCounter): Locator {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yamlLibrary();
  const deref = (node: unknown): Node | null | undefined => {
    if (isAlias(node) && doc) return node.resolve(doc) ?? null;
    return node as Node | null | undefined;
  };

  // Each mapping's pairs by key, made on first use: a config with 10,000 profiles may ask for 10,000
  // positions (one warning per profile), and searching the profiles one by one each time is quadratic.
  const indexes = new WeakMap<object, Map<string, Pair<unknown, unknown>>>();
  const pairsByKey = (map: YAMLMap<unknown, unknown>): Map<string, Pair<unknown, unknown>> => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        // The first of repeated keys, as a search from the start would find.
        const name = isPair(pair) && isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (name !== undefined && !index.has(name)) index.set(name, pair);
      }
      indexes.set(map, index);
    }
    return index;
  };

  /** Walks `segments`; a mapping key containing dots matches several segments at once (`a.b`). */
  const walk = (segments: readonly string[]): Found => {
    let node = deref(doc?.contents);
    let key: Node | undefined;
    let i = 0;
    while (i < segments.length) {
      if (isMap(node)) {
        let match: { pair: Pair<unknown, unknown>; used: number } | undefined;
        for (let used = segments.length - i; used >= 1 && !match; used--) {
          const pair = pairsByKey(node).get(segments.slice(i, i + used).join("."));
          if (pair) match = { pair, used };
        }
        if (!match) return { node, key, exact: false };
        key = match.pair.key as Node;
        node = deref(match.pair.value);
        i += match.used;
      } else if (isSeq(node)) {
        const index = Number(segments[i]);
        if (!Number.isInteger(index) || index < 0 || index >= node.items.length)
          return { node, key, exact: false };
        key = undefined;
        node = deref(node.items[index]);
        i += 1;
      } else {
        return { node, key, exact: false };
      }
    }
    return { node, key, exact: true };
  };

  return (path, mode = "value") => {
    const segments = typeof path === "string" ? (path === "" ? [] : path.split(".")) : path.map(String);
    const found = walk(segments);
    // An absent node is reported where its nearest ancestor's key is: the mapping that lacks it.
    const preferValue = found.exact && mode === "value" && (isInline(found.node) || !found.key);
    const offset = preferValue
      ? (startOf(found.node) ?? startOf(found.key))
      : (startOf(found.key) ?? startOf(found.node));
    const issue: ConfigIssue = { file, path: segments.join("."), message: "" };
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      issue.line = line;
      issue.column = col;
    } else {
      issue.line = 1;
      issue.column = 1;
    }
    return issue;
  };
}
