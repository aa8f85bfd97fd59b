import type * as z from "#zod";
import type { ConfigIssue } from "../errors.ts";
import { didYouMean } from "./did-you-mean.ts";
import type { ConfigPath, Locator } from "./locate.ts";

type ZodIssue = z.core.$ZodIssue;

/** What zod calls a type, as a config author would say it. */
const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  map: "a mapping",
  array: "a list",
  tuple: "a list",
};

/** The kind of a parsed value, never the value: unknown keys may hold anything, secrets included. */
export function describeKind(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueAt(data: unknown, path: ConfigPath): { found: boolean; value: unknown } {
  let value = data;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === "number" && segment < value.length) value = value[segment];
    else if (isRecord(value) && Object.hasOwn(value, String(segment))) value = value[String(segment)];
    else return { found: false, value: undefined };
  }
  return { found: true, value };
}

// --- walking the zod schema, for the keys a mapping may hold ---------------------------------------

interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  in?: z.core.$ZodType;
}

const defOf = (schema: z.core.$ZodType): SchemaDef => schema._zod.def as unknown as SchemaDef;

/** The object/record/array schemas a value at `path` may be checked against (unions fan out). */
function schemasAt(schema: z.core.$ZodType, path: ConfigPath): z.core.$ZodType[] {
  const def = defOf(schema);
  const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
  if (inner) return schemasAt(inner, path);
  if (def.type === "union") return (def.options ?? []).flatMap((option) => schemasAt(option, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === "object") {
    const child = def.shape?.[String(head)];
    return child ? schemasAt(child, rest) : [];
  }
  if (def.type === "record" && def.valueType) return schemasAt(def.valueType, rest);
  if (def.type === "array" && def.element && typeof head === "number") return schemasAt(def.element, rest);
  return [];
}

function knownKeysAt(root: z.core.$ZodType, path: ConfigPath): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const def = defOf(schema);
    if (def.type === "object") for (const key of Object.keys(def.shape ?? {})) keys.add(key);
  }
  return [...keys];
}

// --- zod issue → ConfigIssue ------------------------------------------------------------------------

export interface IssueContext {
  /** The schema the data was checked against (for "did you mean"). */
  schema: z.core.$ZodType;
  /** The parsed data (for "got a list" and "is required"). */
  data: unknown;
  locate: Locator;
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? "" : "s"}`;
}

function sizeMessage(issue: Extract<ZodIssue, { code: "too_small" | "too_big" }>): string {
  const small = issue.code === "too_small";
  const limit = small ? issue.minimum : issue.maximum;
  const exclusive = issue.inclusive === false;
  switch (issue.origin) {
    case "string":
      if (small && Number(limit) === 1) return "must not be empty";
      return `must be ${small ? "at least" : "at most"} ${plural(limit, "character")} long`;
    case "array":
    case "set":
      if (small && Number(limit) === 1) return "must list at least one item";
      return `must list ${small ? "at least" : "at most"} ${plural(limit, "item")}`;
    default:
      if (exclusive) return `must be ${small ? "greater" : "less"} than ${limit}`;
      return `must be ${small ? "at least" : "at most"} ${limit}`;
  }
}

function formatMessage(issue: Extract<ZodIssue, { code: "invalid_format" }>): string {
  // Schemas give formats a message of their own ("expected an https:// URL"); zod's defaults start "Invalid".
  if (!/^Invalid\b/.test(issue.message)) return issue.message;
  if (issue.format === "url") return "expected a URL";
  return `expected ${issue.format === "regex" ? "a different format" : `a valid ${issue.format}`}`;
}

/** Zod's shape mismatch for a union: the one branch whose shape fits, if exactly one does. */
function fittingBranch(branches: readonly (readonly ZodIssue[])[]): readonly ZodIssue[] | undefined {
  const fits = branches.filter(
    (issues) =>
      !issues.some(
        (i) => i.path.length === 0 && (i.code === "invalid_type" || i.code === "unrecognized_keys"),
      ),
  );
  return fits.length === 1 ? fits[0] : undefined;
}

function convert(issue: ZodIssue, base: ConfigPath, ctx: IssueContext, out: ConfigIssue[]): void {
  const path: ConfigPath = [...base, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
  const at = (message: string, where: ConfigPath = path, mode: "key" | "value" = "value"): void => {
    out.push({ ...ctx.locate(where, mode), path: where.join("."), message });
  };

  switch (issue.code) {
    case "invalid_type": {
      const { found, value } = valueAt(ctx.data, path);
      if (!found) {
        // Located at the mapping that lacks the key; `locate` falls back to the nearest ancestor.
        at("is required", path, "key");
        return;
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      at(`expected ${expected}, got ${describeKind(value)}`);
      return;
    }
    case "unrecognized_keys": {
      const { value } = valueAt(ctx.data, path);
      const present = new Set(isRecord(value) ? Object.keys(value) : []);
      const known = knownKeysAt(ctx.schema, path).filter((k) => !present.has(k));
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, known);
        const hint = suggestion ? `; did you mean "${suggestion}"?` : "";
        out.push({
          ...ctx.locate([...path, key], "key"),
          path: path.join("."),
          message: `unknown key "${key}"${hint}`,
        });
      }
      return;
    }
    case "invalid_union": {
      const branch = fittingBranch(issue.errors);
      if (branch) {
        for (const inner of branch) convert(inner, path, ctx, out);
        return;
      }
      at(
        /^Invalid input\b/.test(issue.message)
          ? `${describeKind(valueAt(ctx.data, path).value)} does not fit here`
          : issue.message,
      );
      return;
    }
    case "invalid_key": {
      const name = String(path.at(-1) ?? "");
      const why = issue.issues.map((i) => i.message).join("; ");
      at(`"${name}" is not a valid name: ${why}`, path, "key");
      return;
    }
    case "invalid_value": {
      // Enumerations and literals: their values are not secret, and neither is a wrong choice of one.
      const { value } = valueAt(ctx.data, path);
      const got = typeof value === "string" ? `"${value}"` : describeKind(value);
      const choices = issue.values.map((v) => `"${String(v)}"`);
      at(
        choices.length === 1
          ? `must be ${choices[0]}, got ${got}`
          : `expected one of ${choices.join(", ")}, got ${got}`,
      );
      return;
    }
    case "too_small":
    case "too_big":
      at(sizeMessage(issue));
      return;
    case "invalid_format":
      at(formatMessage(issue));
      return;
    case "not_multiple_of":
      at(`must be a multiple of ${issue.divisor}`);
      return;
    case "invalid_element":
      for (const inner of issue.issues) convert(inner, [...path, String(issue.key)], ctx, out);
      return;
    default:
      at(issue.message);
  }
}

/** One ConfigIssue per problem zod found, with the path and position of the node at fault. */
export function zodIssuesToConfigIssues(issues: readonly ZodIssue[], ctx: IssueContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) convert(issue, [], ctx, out);
  return out;
}
