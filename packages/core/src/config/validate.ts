import type * as z from "#zod";
import type { ConfigIssue } from "../errors.ts";
import { zodIssuesToConfigIssues } from "./issues.ts";
import type { Locator } from "./locate.ts";
import {
  type NetworkConfig,
  NetworkSchema,
  type ParsedConfig,
  type ParsedProfile,
  PartnerdConfigSchema,
  ProfileSchema,
} from "./schema.ts";

/** A profile as far as it passed the schema: each field that did not pass is missing. */
export type CheckedProfile = Partial<ParsedProfile>;

/**
 * The parts of a config that passed the schema. When the whole file passes, this is all of it;
 * otherwise it is what could be salvaged field by field, so that cross-field rules and secret
 * references are still checked and every problem is reported in one go.
 */
export interface CheckedConfig {
  /** The whole file as the schema returned it; `undefined` when it did not pass. */
  parsed: ParsedConfig | undefined;
  stateDir: string | undefined;
  network: Partial<NetworkConfig>;
  /** Every id under `stores:`, valid or not, so that references to a broken store are not also "unknown". */
  storeIds: string[];
  profiles: Record<string, CheckedProfile>;
  /** Dotted paths of fields left out because they did not pass (`profiles.pc.schedule`). */
  rejected: ReadonlySet<string>;
}

const entriesByProfiles = new WeakMap<object, readonly (readonly [string, CheckedProfile])[]>();

/**
 * `Object.entries(config.profiles)`, made once per config: every rule walks the profiles, and at
 * 10,000 profiles each `Object.entries` of them costs milliseconds.
 */
export function profileEntries(config: CheckedConfig): readonly (readonly [string, CheckedProfile])[] {
  let entries = entriesByProfiles.get(config.profiles);
  if (!entries) {
    entries = Object.entries(config.profiles);
    entriesByProfiles.set(config.profiles, entries);
  }
  return entries;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fromParsed(parsed: ParsedConfig): CheckedConfig {
  return {
    parsed,
    stateDir: parsed.stateDir,
    network: parsed.network,
    storeIds: Object.keys(parsed.stores),
    profiles: parsed.profiles,
    rejected: new Set(),
  };
}

/** The fields of `raw` that pass their own schema (defaults applied); the others are recorded in `rejected`. */
function salvageFields<Shape extends Record<string, z.ZodMiniType>>(
  shape: Shape,
  raw: unknown,
  path: string,
  rejected: Set<string>,
): Partial<{ [K in keyof Shape]: z.output<Shape[K]> }> {
  const values: Record<string, unknown> = isRecord(raw) ? raw : {};
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const result = schema.safeParse(values[key]);
    if (!result.success) rejected.add(`${path}.${key}`);
    else if (result.data !== undefined) out[key] = result.data;
  }
  return out as Partial<{ [K in keyof Shape]: z.output<Shape[K]> }>;
}

function salvage(data: unknown): CheckedConfig {
  const raw = isRecord(data) ? data : {};
  const rejected = new Set<string>();
  const profiles: Record<string, CheckedProfile> = {};
  if (isRecord(raw.profiles)) {
    for (const [name, profile] of Object.entries(raw.profiles)) {
      if (!isRecord(profile)) rejected.add(`profiles.${name}`);
      profiles[name] = salvageFields(ProfileSchema.shape, profile, `profiles.${name}`, rejected);
    }
  }
  return {
    parsed: undefined,
    stateDir: typeof raw.stateDir === "string" && raw.stateDir !== "" ? raw.stateDir : undefined,
    network: salvageFields(NetworkSchema.shape, raw.network, "network", rejected),
    storeIds: isRecord(raw.stores) ? Object.keys(raw.stores) : [],
    profiles,
    rejected,
  };
}

/** Checks `data` against the schema: every problem as a located issue, plus what is usable. */
export function validateSchema(
  data: unknown,
  locate: Locator,
): { checked: CheckedConfig; errors: ConfigIssue[] } {
  const result = PartnerdConfigSchema.safeParse(data);
  if (result.success) return { checked: fromParsed(result.data), errors: [] };
  const errors = zodIssuesToConfigIssues(result.error.issues, { schema: PartnerdConfigSchema, data, locate });
  return { checked: salvage(data), errors };
}
