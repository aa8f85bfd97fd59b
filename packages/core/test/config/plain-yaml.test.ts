/**
 * The fast path (js-yaml, `plain-yaml.ts`) against the exact one (`yaml`, as partnerd configured it):
 * whatever the fast path accepts, the exact path reads to the same data with no error and no warning;
 * everything else is declined and read by `yaml`. Checked on a corpus of YAML edge cases and on random
 * edits of a config, then through `parseConfig` on a large file.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import { parseSourceWithYaml } from "../../src/config/parse.ts";
import { parsePlainYaml, RUN_CHARS } from "../../src/config/plain-yaml.ts";
import { splitProfiles } from "../../src/config/profile-chunks.ts";
import { brief, cleanEnv, testdir } from "./helpers.ts";

/** How many texts `expectAgreement` saw the fast path read in more than one run. */
let readInSeveralRuns = 0;

/** What the exact path makes of `text`, in the fast path's terms. */
function exactly(text: string) {
  const { data, errors, warnings } = parseSourceWithYaml("/c/partnerd.yaml", text);
  return { data, problems: [...errors, ...warnings].map((i) => `${i.line}:${i.column} ${i.message}`) };
}

/**
 * The property: the fast path reads `text` as `yaml` does, or leaves it to `yaml`; read whole, and
 * with every profile read on its own, as a large file's profiles are read in runs.
 */
function expectAgreement(text: string): "fast" | "declined" {
  const fast = parsePlainYaml(text);
  const inRuns = parsePlainYaml(text, 1);
  if (fast === undefined && inRuns === undefined) return "declined";
  const exact = exactly(text);
  if (inRuns !== undefined) {
    expect({ text, ...exact }).toEqual({ text, data: inRuns, problems: [] });
    if ((splitProfiles(text, 1)?.runs.length ?? 0) > 1) readInSeveralRuns++;
  }
  if (fast === undefined) return "declined";
  expect({ text, ...exact }).toEqual({ text, data: fast, problems: [] });
  return "fast";
}

/** A config as JSON (JSON is YAML), with escapes, nulls, booleans, empty collections. */
const JSON_CONFIG = {
  stateDir: "./state",
  network: { timeoutMs: 5000 },
  profiles: {
    "pc-1": {
      applicationId: "5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11",
      clientSecret: { file: "./client-secret" },
      scopes: ["https://api.partnercenter.microsoft.com/user_impersonation", "e\u00e9\ud83d\ude00"],
      retry: { attempts: 3, initialDelayMs: 1.5e3 },
      hooks: [{ use: "exec", on: ["refreshed"], options: { command: ["a", 'b\n"c"'], n: null, t: true } }],
    },
    "pc-2": { tenant: "", jitter: "5m", empty: {}, list: [] },
  },
};

/** Read alike by both, through the fast path. */
const SAME: Record<string, string> = {
  "pretty-printed JSON (every collection closes at the start of a line)": JSON.stringify(
    JSON_CONFIG,
    null,
    2,
  ),
  "compact JSON": JSON.stringify(JSON_CONFIG),
  "booleans (1.2 core: yes/no/on/off stay strings)":
    "a: yes\nb: no\nc: on\nd: off\ne: y\nf: True\ng: TRUE\nh: tRue\ni: false\nj: FALSE\nk: n\nl: Yes",
  "integers: octal, hex, leading zeros":
    "a: 0o17\nb: 012\nc: 0x1F\nd: 00\ne: 08\nf: +12\ng: -0\nh: 0o8\ni: 0x",
  "numbers that stay strings":
    "a: 1_000\nb: 0b101\nc: -0x1F\nd: +0o7\ne: 1,000\nf: 1.5e\ng: 1:20:30\nh: 190:20:30",
  floats:
    "a: 1e3\nb: .5\nc: 1.\nd: +.inf\ne: -.Inf\nf: .NaN\ng: 0.1e-2\nh: 1E3\ni: -.5\nj: +1.5E+3\nk: 0.\nl: .1e1\nm: .INF",
  "large integers": "a: 12345678901234567890\nb: 9007199254740993\nc: -9007199254740993",
  "timestamps stay strings": "a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: 2001-12-14 21:59:43.10 -5",
  "null forms": 'a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: \'\'\ng: nUll\nh: ""\ni: "null"',
  "block scalars":
    "a: |\n  line1\n  line2\nb: >\n  folded\n  text\n\n  para\nc: |-\n  strip\n\nd: |+\n  keep\n\ne: x",
  "block scalars with indentation indicators":
    "a: |2\n    two extra\n  base\nb: >-\n   indented\n    more\n   back",
  "multi-line plain and quoted":
    'a: plain\n  multi line\n  scalar\nb: "line\n  fold"\nc: "multi\n\n  para"\nd: \'multi\n\n  para\'',
  "double-quoted escapes":
    'a: "dq \\t \\u00e9 \\x41 \\n end"\nb: "a\\"b"\nc: "\\/"\nd: "\\N\\_\\L\\P"\nf: "\\0\\a\\b\\e"',
  "single-quoted": "a: 'sq '' quote'\nb: 'it''s'\nc: '#not a comment'\nd: ' padded '",
  "quoted keys": '"quoted key": 1\n\'single\': 2\n"\\u00e9": 3\n"1": 4\n\'true\': 5\n"null": 6',
  "explicit key": "? explicit\n: 3\n? |\n  block key\n: 4",
  "flow collections":
    "a: {x: 1, y: [1, 2, {z: 3}]}\nb: [a, b, c]\nc: {}\nd: []\ne: [a: 1, b]\nf: {a, b: 2}\ng: [1,2,]\nh: {a: 1,}",
  "flow collections over lines": "a: [1,\n  2, 3]\nb: {x: 1,\n  y: 2}",
  comments: "# comment\na: 1 # trailing\nb: 'x' # c\nc: x #notcomment\nd: x#y\n# end",
  "CRLF line ends": "a: 1\r\nb: two\r\nc: |\r\n  x\r\n  y\r\nd: [1,\r\n  2]\r\n",
  unicode: 'ü: é\n名前: 値\nemoji: 😀\nrtl: "שלום"\nzw: "a\u200bb"',
  "plain scalars with indicators inside":
    "a: http://x/?a=b&c=*d!e\nb: a-b\nc: -dash\nd: ?q\ne: key:value\nf: a #b",
  "odd keys": "key with spaces: v\n-dash: 1\n?q: 2\n:colon: 3\nyes: 4\non: 5\n0a: 6\n1st: 7",
  "sequences, nested and compact": "a:  \n  - 1\n  -  2\n  - - 3\n    - 4\nb:\n- x\n- y: 1\n  z: 2",
  "a document start marker": "---\na: 1\n",
  "numbers at the edges of a double": "a: 1e308\nb: 1e-400\nc: -1e-400\nd: 4.9e-324\ne: 9007199254740993.5",
  "a profile as written in the docs": [
    "stateDir: ./state",
    "profiles:",
    "  pc:",
    "    applicationId: 5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11",
    "    clientSecret: { file: ./client-secret }",
    "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
    '    schedule: "0 3 * * *"',
    "    jitter: 5m",
    "    hooks:",
    "      - use: exec",
    "        on: [refreshed, failed]",
    '        options: { command: ["/usr/local/bin/notify", "--quiet"] }',
  ].join("\n"),
  "tabs after values and in quoted text": 'a: 1\t\nb: "x\ty"\nc:\t2',
  "empty values in mappings and lists": "a:\nb: []\nc:\n  -\n  - x",
};

/** Left to `yaml`: what it reads its own way, warns about, or rejects (with a located error). */
const DECLINED: Record<string, string> = {
  "duplicate key": "a: 1\na: 2",
  "nested duplicate key": "a:\n  b: 1\n  b: 2",
  "duplicate key in a flow mapping": "a: {b: 1, b: 2}",
  "anchor and alias": "a: &x 1\nb: *x",
  "anchor alone": "a: &x 1",
  "alias to nothing": "a: *x",
  "standard tag": "a: !!str 1",
  "local tag": "a: !foo x",
  "tag on a mapping": "a: !!map {b: 1}",
  "merge key": "base: &b {x: 1}\nc:\n  <<: *b",
  "merge key without alias": "<<: {a: 1}",
  "directive (YAML 1.1 would change the schema)": "%YAML 1.1\n---\na: yes",
  "tag directive": "%TAG !e! tag:example.com,2000:\n---\na: 1",
  "unknown directive": "%FOO bar\n---\na: 1",
  "two documents": "a: 1\n---\nb: 2",
  "a document end marker (yaml counts an empty document after a second one)": "---\na: 1\n...\n...\n",
  "a float too large for a double": "a: 1e400",
  "an integer too large for a double": `a: ${"9".repeat(400)}`,
  "a hexadecimal integer too large for a double": `a: 0x${"f".repeat(300)}`,
  "a carriage return that does not end a line": "a: 1\rb: 2",
  "a byte order mark (decodeConfigText removes the first)": "\ufeffa: 1",
  "a byte order mark past the start": "a: 1\n\ufeffb: 2",
  "an indented directive indicator": " %b\n---\nc: 1",
  "a tab at the start of a line in a block scalar": "a: |+\n  keep\n\t\nb: x",
  "a line of spaces in a block scalar": "a: |2\n    two extra\n   \nb: x",
  "an escaped line break in double quotes": 'a: "multi\\\n\n  para"',
  "a code point past U+10FFFF": 'a: "\\U0011F600"',
  "an indented document start": "  ---\na: 1\n",
  "empty file": "",
  "only a comment": "# only comment",
  "only a document marker": "---\n",
  "a list at the root": "- a\n- b",
  "a scalar at the root": "just text",
  "integer key": "1: a",
  "boolean key": "true: b",
  "null key": "null: c",
  "tilde key": "~: d",
  "float key": "1.5: e",
  "hex key": "0x10: f",
  "empty explicit key": "? \n: x",
  "mapping as key": "? {a: 1}\n: x",
  "list as key": "? [a]\n: x",
  "__proto__ key": "__proto__: {polluted: true}",
  "quoted __proto__ key": '"__proto__": 1',
  "compact nested mapping": "a: b: c",
  "tab indentation": "a:\n\tb: 1",
  "flow end at the parent's indentation": "a: [1, 2\n]",
  "flow end at the start of a line": "a:\n  b: {c: 1\n}",
  "unterminated quote": "a: 'unterminated",
  "reserved indicators": "a: @foo\nb: `bar",
  "unknown escape": 'a: "\\q"',
  "a dash with no space": "a: -\nb: - x",
  "multi-line implicit key": "a:\n  b\n  c: 1",
};

/** Profiles read in runs (see profile-chunks.ts), with what may sit between, inside and after them. */
const IN_RUNS: Record<string, string> = {
  "profiles, then another key": "a: 1\nprofiles:\n  p1:\n    x: 1\n  p2: {y: 2}\nstores:\n  s: {use: file}",
  "comments and blank lines between profiles, at any indentation":
    "profiles:\n  # first\n\n  p1:\n    x: 1\n# at the root\n\n   # deeper\n  p2:\n    y: 2\n# end",
  "block scalars, multi-line plain and quoted scalars ending before a profile":
    'profiles:\n  p1:\n    a: |\n      text\n\n    b: >-\n      folded\n  p2:\n    c: plain\n      more\n  p3:\n    d: "x\n      y"\n  p4: {}',
  "a compact list at the profiles' indentation": "profiles:\n  p1:\n  - a\n  - b\n  p2:\n    x: 1",
  "quoted profile names": "profiles:\n  'p 1':\n    x: 1\n  \"p 2\":\n    y: 2",
  "CRLF line ends and a comment after profiles:":
    "profiles: # all\r\n  p1:\r\n    x: 1\r\n  p2:\r\n    y: 2\r\n",
  "profiles indented by four": "profiles:\n    p1:\n        x: 1\n    p2:\n        y: 2\n",
};

/** Profiles that cannot be read in runs: read whole, or left to `yaml`. */
const NOT_IN_RUNS: Record<string, string> = {
  "a name repeated in another run": "profiles:\n  p1:\n    x: 1\n  p1:\n    y: 2",
  "a quoted scalar open across a profile": "profiles:\n  p1:\n    a: 'open\n  p2: x'\n  p3: {}",
  "a flow collection open across a profile": "profiles:\n  p1: [a,\n  p2, b]\n  p3: {}",
  "profiles: twice": "profiles:\n  p1: {}\nprofiles:\n  p2: {}",
  "profiles: with a value on its line": "profiles: {p1: {}}\nx:\n  p2: {}",
  "a second document after the profiles": "profiles:\n  p1: {}\n---\nb: 1",
};

/** A config with most of the syntax above, for random edits. */
const SEED = [
  "# partnerd",
  "stateDir: ./state",
  "network: { timeoutMs: 5000 }",
  "profiles:",
  "  pc-1:",
  "    applicationId: 5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11",
  "    clientSecret: { file: ./client-secret } # shared",
  "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation, 'b', \"c\"]",
  '    schedule: "*/5 * * * *"',
  "    retry:",
  "      attempts: 3",
  "      initialDelayMs: 0o17",
  "    hooks:",
  "      - use: exec",
  "        on: [refreshed]",
  "        options:",
  "          command: |",
  "            echo one",
  "            echo two",
  "          note: >-",
  "            folded",
  "            text",
  "  'pc-2': {applicationId: x, scopes: [y], tenant: ~, enabled: yes, weight: 1.5e3}",
].join("\n");

/** Edits: YAML's indicators, escapes, number forms, line breaks, markers and other corners. */
const EDIT_CHARS = [
  ...` \t\n\r:-#"'[]{},?|>&*!%@\`\\01.ex_~+é\u2028\u0085\ufeff`,
  ...["  ", ": ", "- ", "\n  ", "\n\n", '"\n', "'\n", "\\\n", "\\u", "\\x", "\\U", "0o", "0x", "e+"],
  ...["|-", ">+", "|2", "? ", "<<: ", "&a ", "*a", "!!str ", "\n---\n", "\n...\n"],
];

/** A small deterministic generator (mulberry32), so that a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function edit(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  switch (Math.floor(next() * 4)) {
    case 0:
      return text.slice(0, at) + pick(EDIT_CHARS) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 3));
    case 2: {
      const lines = text.split("\n");
      const line = Math.floor(next() * lines.length);
      lines.splice(line, 0, lines[Math.floor(next() * lines.length)]!);
      return lines.join("\n");
    }
    default:
      return text.slice(0, at) + pick(EDIT_CHARS) + text.slice(at + 1);
  }
}

describe("the plain-YAML fast path", () => {
  it.each(Object.entries(SAME))("reads %s as yaml does", (_name, text) => {
    expect(expectAgreement(text)).toBe("fast");
    // The same with CRLF line ends and a trailing comment.
    expectAgreement(`${text.replace(/\r?\n/g, "\r\n")}\r\n# end\r\n`);
  });

  it.each(Object.entries(DECLINED))("leaves %s to yaml", (_name, text) => {
    expect(parsePlainYaml(text)).toBeUndefined();
  });

  it.each(Object.entries(IN_RUNS))("reads %s one profile at a time as yaml does", (_name, text) => {
    expect(parsePlainYaml(text, 1)).toEqual(parsePlainYaml(text, Number.POSITIVE_INFINITY));
    expect(expectAgreement(text)).toBe("fast");
  });

  it.each(Object.entries(NOT_IN_RUNS))("reads %s whole, or leaves it to yaml", (_name, text) => {
    const inRuns = parsePlainYaml(text, 1);
    if (inRuns !== undefined) expect(inRuns).toEqual(parsePlainYaml(text, Number.POSITIVE_INFINITY));
    expectAgreement(text);
  });

  it("agrees with yaml on thousands of random edits of configs, or declines them", () => {
    const next = random(12);
    const seeds = [
      SEED,
      ...[SAME, DECLINED, IN_RUNS, NOT_IN_RUNS].flatMap((corpus) => Object.values(corpus)),
    ];
    const outcomes = { fast: 0, declined: 0 };
    for (let i = 0; i < 5000; i++) {
      let text = seeds[Math.floor(next() * seeds.length)]!;
      const edits = 1 + Math.floor(next() * 4);
      for (let k = 0; k < edits; k++) text = edit(text, next);
      outcomes[expectAgreement(text)]++;
    }
    // Both paths were exercised, so the agreement above is not vacuous.
    expect(outcomes.fast).toBeGreaterThan(500);
    expect(outcomes.declined).toBeGreaterThan(500);
  });

  it("agrees with yaml on random edits of configs read one profile at a time, or declines them", () => {
    const next = random(21);
    const seeds = [SEED, ...Object.values(IN_RUNS)];
    const before = readInSeveralRuns;
    for (let i = 0; i < 3000; i++) {
      let text = seeds[Math.floor(next() * seeds.length)]!;
      const edits = 1 + Math.floor(next() * 3);
      for (let k = 0; k < edits; k++) text = edit(text, next);
      expectAgreement(text);
    }
    expect(readInSeveralRuns - before).toBeGreaterThan(500);
  });

  it("agrees with yaml on random scalars in every position a scalar takes, or declines them", () => {
    const next = random(7);
    const alphabet = [..."0123456789+-._eExXoObB:~nNuUlLtTrRfFaAsSiI yY#'\"\\,[]{}!&*|>?%@`\t"];
    const positions = [
      (s: string) => `a: ${s}`,
      (s: string) => `a: [${s}]`,
      (s: string) => `a: {b: ${s}}`,
      (s: string) => `${s}: 1`,
      (s: string) => `? ${s}\n: 1`,
      (s: string) => `a:\n  - ${s}`,
      (s: string) => `a: ${s}\n  ${s}`,
      (s: string) => `a: "${s}"`,
      (s: string) => `a: '${s}'`,
      (s: string) => `a: |\n  ${s}`,
    ];
    const outcomes = { fast: 0, declined: 0 };
    for (let i = 0; i < 5000; i++) {
      let scalar = "";
      for (let k = Math.floor(next() * 7); k >= 0; k--)
        scalar += alphabet[Math.floor(next() * alphabet.length)];
      outcomes[expectAgreement(positions[Math.floor(next() * positions.length)]!(scalar))]++;
    }
    expect(outcomes.fast).toBeGreaterThan(1000);
    expect(outcomes.declined).toBeGreaterThan(100);
  });
});

describe("a large config through the fast path", () => {
  const profile = (name: string) => [
    `  ${name}:`,
    "    applicationId: 5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11",
    "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
    '    schedule: "0 3 * * *"',
  ];
  const names = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);

  it("loads 10,000 profiles; an error among them still names its line, column and field", async () => {
    const dir = await testdir();
    const file = join(dir, "partnerd.yaml");
    const lines = ["stateDir: ./state", "profiles:", ...names.flatMap((name) => profile(name))];
    const ok = await parseConfig(`${lines.join("\n")}\n`, { file, env: cleanEnv() });
    expect(ok.errors).toBeUndefined();
    expect(Object.keys(ok.config!.profiles)).toHaveLength(10_000);
    expect(ok.config!.locate("profiles.customer-9999.schedule")).toMatchObject({ line: 2 + 9999 * 4 + 4 });

    // Read by the fast path, located by yaml on demand.
    const bad = [...lines];
    bad[2 + 7000 * 4 + 3] = '    schedule: "61 3 * * *"';
    const badSchedule = await parseConfig(`${bad.join("\n")}\n`, { file, env: cleanEnv() });
    expect(brief(badSchedule.errors!)).toEqual([
      `${2 + 7000 * 4 + 4}:15 profiles.customer-7000.schedule: "61 3 * * *" is not a valid cron expression (minute: 61 is not a valid minute; allowed: 0-59)`,
    ]);
  });

  it("reads a large file's profiles in runs to the data one read makes; an error in a run is located", async () => {
    const lines = [
      "stateDir: ./state",
      "profiles:",
      ...names.slice(0, 1000).flatMap((name) => profile(name)),
    ];
    const text = `${lines.join("\n")}\n# after\nnetwork: { timeoutMs: 5000 }\n`;
    expect(splitProfiles(text, RUN_CHARS)!.runs.length).toBeGreaterThan(2);
    expect(parsePlainYaml(text)).toEqual(parsePlainYaml(text, Number.POSITIVE_INFINITY));
    expect(parsePlainYaml(text)).toEqual(exactly(text).data);

    const bad = [...lines];
    bad[2 + 700 * 4 + 3] = "    scopes: [again]";
    const file = join(await testdir(), "partnerd.yaml");
    const result = await parseConfig(`${bad.join("\n")}\n`, { file, env: cleanEnv() });
    expect(brief(result.errors!)).toEqual([
      `${2 + 700 * 4 + 4}:5 profiles.customer-700: duplicate key "scopes"`,
    ]);
  });
});
