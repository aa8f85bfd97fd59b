/**
 * A config cut into pieces the fast path can read one at a time: the file without the body of its
 * `profiles:` mapping, and that body in runs of whole profiles. At 10,000 profiles js-yaml's events for
 * the whole file (~20 MB) all stay alive until the data is built, and V8 grows its young generation
 * to its maximum (2 × 64 MB here) copying them; read 64 KB at a time, they die young.
 *
 * Each piece is read in the context it has in the file: a run is read under a `profiles:` line of its
 * own, at its own indentation. A run starts only at a line that starts a profile (a key at the
 * profiles' indentation), which ends any block scalar, plain scalar or block collection before it; a
 * quoted scalar or flow collection still open there leaves the run before it unreadable, so the file is
 * left to the exact parser. `plain-yaml.ts` checks the rest: that the outer piece has an empty
 * `profiles:`, and that no profile name repeats across runs.
 */

export interface ProfileChunks {
  /** The file with the lines of the profiles' body left out: its `profiles:` reads as empty. */
  outer: string;
  /** Runs of whole profiles, each under a `profiles:` line: `profiles:\n  a:\n    …\n  b:\n    …`. */
  runs: string[];
}

const PROFILES_LINE = /^profiles:[ ]*(?:#[^\n]*)?\r?$/m;

/** Spaces, then the first character of a plain or quoted key: a line that may start a profile. */
const KEY_START = /[A-Za-z0-9_"']/;

/** Leading spaces of the line at `start`; -1 when it holds only spaces or a comment. */
function indentOf(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && text.charCodeAt(i) === 0x20) i++;
  if (i === end || text[i] === "#" || text[i] === "\r") return -1;
  return i - start;
}

/**
 * `undefined` when the text is short (one read is as good), or when its profiles are not a block
 * mapping under a `profiles:` line at the root: then it is read whole, as before.
 */
export function splitProfiles(text: string, runChars: number): ProfileChunks | undefined {
  if (text.length <= runChars) return undefined;
  const header = PROFILES_LINE.exec(text);
  if (!header) return undefined;
  const bodyStart = text.indexOf("\n", header.index) + 1;
  if (bodyStart === 0) return undefined;

  let indent = -1;
  let bodyEnd = text.length;
  const starts: number[] = [];
  let runStart = bodyStart;
  let runHasProfile = false;
  for (let lineStart = bodyStart; lineStart < text.length; ) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const lineIndent = indentOf(text, lineStart, lineEnd);
    if (lineIndent === 0) {
      bodyEnd = lineStart;
      break;
    }
    if (lineIndent > 0) {
      if (indent === -1) indent = lineIndent;
      const startsProfile = lineIndent === indent && KEY_START.test(text[lineStart + indent]!);
      if (startsProfile && runHasProfile && lineStart - runStart >= runChars) {
        starts.push(lineStart);
        runStart = lineStart;
      }
      runHasProfile ||= startsProfile;
    }
    lineStart = lineEnd + 1;
  }
  if (indent === -1) return undefined;

  const runs: string[] = [];
  let from = bodyStart;
  for (const start of [...starts, bodyEnd]) {
    runs.push(`profiles:\n${text.slice(from, start)}`);
    from = start;
  }
  return { outer: text.slice(0, bodyStart) + text.slice(bodyEnd), runs };
}
