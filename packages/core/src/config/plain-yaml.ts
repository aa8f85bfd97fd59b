import {
  COLLECTION_STYLE,
  CORE_SCHEMA,
  constructFromEvents,
  defineMappingTag,
  defineScalarTag,
  EVENT_ID,
  type Event,
  floatCoreTag,
  intCoreTag,
  NOT_RESOLVED,
  parseEvents,
  SCALAR_STYLE,
  type ScalarEvent,
  type ScalarTagDefinition,
} from "js-yaml";
import { type ProfileChunks, splitProfiles } from "./profile-chunks.ts";

/*
 * The fast way to read a config: js-yaml, for the plain YAML nearly every config is written in. It
 * reads a 10,000-profile file (2.5 MB) in a sixth of the time `yaml` takes and builds plain data only,
 * where `yaml` builds a syntax tree and a document (~1 s and ~250 MB), and a large file's profiles
 * ~250 at a time (`profile-chunks.ts`). `yaml` stays the reference: it reads every text this declines,
 * and it locates issues.
 *
 * Declined, so read by `yaml` (which reports each problem with its line and column, or reads the text
 * its own way): anything js-yaml rejects (syntax errors, duplicate keys, tabs as indentation), more than
 * one document, directives, tags, anchors and aliases, keys that are not strings (`1:`, `null:`, a list
 * or mapping as key), `<<` and `__proto__` keys, a root that is not a mapping (empty files included),
 * and the corners below where the two libraries were found to differ. In what remains both read YAML
 * 1.2's core schema alike: `plain-yaml.test.ts` checks it on a corpus of edge cases and on thousands
 * of random edits of configs.
 */

const DECLINE = "left to the exact parser";

/**
 * Text the two libraries read differently, or that `yaml` warns about: each pattern with a string
 * it cannot match without. Over a 10,000-profile file (2.5 MB, none of these strings in it) looking
 * for a string takes 0.1-0.4 ms, running a multiline pattern ~2.5 ms.
 */
const DIVERGENT_TEXT: readonly (readonly [needs: string, pattern: RegExp])[] = [
  // A directive (or what looks like one): js-yaml ignores one it does not know, `yaml` warns.
  ["%", /^[ \t]*%/m],
  // A tab at the start of a line: in a block scalar, an indentation error to `yaml` only.
  ["\t", /^ *\t/m],
  // A carriage return that does not end a line: a line break to js-yaml only.
  ["\r", /\r(?!\n)/],
  // A byte order mark: `yaml` drops it wherever it is (a config's first is gone already, see decode.ts).
  ["\ufeff", /\ufeff/],
  // A document end marker: `yaml` counts what follows as another document.
  ["...", /^\.\.\.(?:[ \t\r\n#]|$)/m],
  // An indented `---`: a document start to js-yaml only.
  ["---", /^[ \t]+---(?:[ \t\r\n]|$)/m],
];

/**
 * A flow collection closed at the start of a line: inside a block mapping or list, `yaml` may warn
 * that it should be more indented. Only text with block collections is checked (pretty-printed JSON,
 * all flow, closes every collection that way).
 */
const FLOW_END_AT_LINE_START = /^[ \t]*[\]}]/m;

/** The core schema's integers and floats: `yaml` reads these as numbers whatever their size. */
const INTEGER = /^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** js-yaml reads a number too large for a double (`1e400`) as a string, `yaml` as Infinity: decline. */
function finiteOrDecline(tag: ScalarTagDefinition<number>, form: RegExp): ScalarTagDefinition<number> {
  return defineScalarTag(tag.tagName, {
    ...tag,
    resolve: (source, isExplicit, tagName) => {
      const value = tag.resolve(source, isExplicit, tagName);
      if (value === NOT_RESOLVED && form.test(source)) throw new Error(DECLINE);
      return value;
    },
  });
}

/** Mappings as plain objects whose keys are strings as written: any other key declines the text. */
const stringKeyedMap = defineMappingTag<Record<string, unknown>>("tag:yaml.org,2002:map", {
  create: () => ({}),
  addPair: (map, key, value) => {
    if (typeof key !== "string" || key === "__proto__" || key === "<<") return DECLINE;
    map[key] = value;
    return "";
  },
  has: (map, key) => typeof key === "string" && Object.hasOwn(map, key),
  keys: (map) => Object.keys(map),
  get: (map, key) => (typeof key === "string" && Object.hasOwn(map, key) ? map[key] : null),
  // Load only: nothing is ever dumped with this schema.
  identify: () => false,
});

const SCHEMA = CORE_SCHEMA.withTags(
  stringKeyedMap,
  finiteOrDecline(intCoreTag, INTEGER),
  finiteOrDecline(floatCoreTag, FLOAT),
);

/**
 * Escapes the two libraries read differently: `"a\⏎⏎b"` (they fold the lines after an escaped line
 * break differently) and `\U` (js-yaml accepts code points past U+10FFFF).
 */
function hasDivergentEscape(text: string, scalar: ScalarEvent): boolean {
  return /\\(?:\r?\n|U)/.test(text.slice(scalar.valueStart, scalar.valueEnd));
}

/** In a block scalar, the two libraries keep different parts of a line holding only spaces. */
function hasBlankLineWithSpaces(text: string, scalar: ScalarEvent): boolean {
  return /(?:^|\n)[ \t]+\r?(?:\n|$)/.test(text.slice(scalar.valueStart, scalar.valueEnd));
}

/**
 * One document without directives, tags, anchors, aliases or the scalars above: whether it has block
 * collections; `undefined` when it is not plain.
 */
function plainDocument(text: string, events: readonly Event[]): { blocks: boolean } | undefined {
  let documents = 0;
  let blocks = false;
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        if (++documents > 1 || event.directives.length > 0) return undefined;
        break;
      case EVENT_ID.ALIAS:
        return undefined;
      case EVENT_ID.POP:
        break;
      case EVENT_ID.SCALAR:
        if (event.anchorStart !== -1 || event.tagStart !== -1) return undefined;
        if (event.fast) break;
        if (event.style === SCALAR_STYLE.DOUBLE_QUOTED && hasDivergentEscape(text, event)) return undefined;
        if (event.style >= SCALAR_STYLE.LITERAL_BLOCK && hasBlankLineWithSpaces(text, event))
          return undefined;
        break;
      default:
        if (event.anchorStart !== -1 || event.tagStart !== -1) return undefined;
        if (event.style === COLLECTION_STYLE.BLOCK) blocks = true;
    }
  }
  return documents === 1 ? { blocks } : undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One plain document (a mapping at the root) read by js-yaml, and whether it has block collections. */
function readPlain(text: string): { data: Record<string, unknown>; blocks: boolean } | undefined {
  // js-yaml's messages are not the ones partnerd shows: on any error `yaml` reads the text and reports.
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return undefined;
  }
  const plain = plainDocument(text, events);
  if (!plain) return undefined;
  let documents: unknown[];
  try {
    documents = constructFromEvents(events, { source: text, schema: SCHEMA, maxAliases: 0 });
  } catch {
    return undefined;
  }
  const data = documents.length === 1 ? documents[0] : undefined;
  return isMapping(data) ? { data, blocks: plain.blocks } : undefined;
}

/**
 * `value` with every string in it replaced by one that does not point into the text it was read from,
 * one copy per distinct string. js-yaml's strings of 13 characters or more are slices of its input,
 * which keep the whole input alive: each run of profiles would stay in memory as long as the config.
 */
function detachStrings(value: unknown, copies: Map<string, string>): unknown {
  if (typeof value === "string") {
    if (value.length < 13) return value;
    let copy = copies.get(value);
    if (copy === undefined) {
      // A flat copy: slicing a concatenation copies its characters into a new string.
      copy = `${value} `.slice(0, -1);
      copies.set(copy, copy);
    }
    return copy;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = detachStrings(value[i], copies);
  } else if (isMapping(value)) {
    for (const key of Object.keys(value)) value[key] = detachStrings(value[key], copies);
  }
  return value;
}

/** The text read as its pieces (see `profile-chunks.ts`): the same data as one read, or `undefined`. */
function readInRuns(chunks: ProfileChunks): { data: Record<string, unknown>; blocks: boolean } | undefined {
  const outer = readPlain(chunks.outer);
  if (!outer || !Object.hasOwn(outer.data, "profiles") || outer.data.profiles !== null) return undefined;
  const profiles: Record<string, unknown> = {};
  const copies = new Map<string, string>();
  for (const run of chunks.runs) {
    const read = detachStrings(readPlain(run)?.data.profiles, copies);
    if (!isMapping(read)) return undefined;
    for (const name of Object.keys(read)) {
      // A name repeated across runs is a duplicate key: `yaml` reports it.
      if (Object.hasOwn(profiles, name)) return undefined;
      profiles[name] = read[name];
    }
  }
  outer.data.profiles = profiles;
  return { data: outer.data, blocks: true };
}

/** Profiles read at a time by the fast path, in characters of text (~250 profiles). */
export const RUN_CHARS = 64 * 1024;

/**
 * The data of a plain config (a mapping at the root), or `undefined` when `yaml` must read the text.
 * `runChars`: how much of a large file's profiles is read at a time (tests make it small).
 */
export function parsePlainYaml(text: string, runChars = RUN_CHARS): Record<string, unknown> | undefined {
  if (DIVERGENT_TEXT.some(([needs, pattern]) => text.includes(needs) && pattern.test(text))) return undefined;
  const chunks = splitProfiles(text, runChars);
  const read = chunks ? readInRuns(chunks) : readPlain(text);
  if (!read || (read.blocks && FLOW_END_AT_LINE_START.test(text))) return undefined;
  return read.data;
}
