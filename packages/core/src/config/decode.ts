import { ConfigError } from "../errors.ts";

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The text of a config file, which must be UTF-8: UTF-16 (Windows editors' "Unicode") and stray
 * Latin-1 bytes would otherwise be read as garbage that fails somewhere far from the cause.
 */
export function decodeConfigText(file: string, bytes: Uint8Array): string {
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0));
  if (utf16) {
    throw new ConfigError([{ file, path: "", message: "is UTF-16 encoded; save it as UTF-8" }]);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    const { line, column } = firstInvalidByte(bytes);
    throw new ConfigError([
      { file, line, column, path: "", message: "is not valid UTF-8 here; save the file as UTF-8" },
    ]);
  }
}

function firstInvalidByte(bytes: Uint8Array): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return { line, column: i - lineStart + 1 };
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
    i += length;
  }
  return { line, column: 1 };
}

/** Length of the well-formed UTF-8 sequence at `i`, or 0 (good enough to point at the bad byte). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const need =
    b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
  for (let k = 1; k < need; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return 0;
  return need;
}
