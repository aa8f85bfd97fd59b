import { createHash } from "node:crypto";
import type { StoredSecret } from "@partnerd/core/plugin";

/** Version of the JSON envelope partnerd writes; a file with a higher number came from a newer partnerd. */
export const ENVELOPE_FORMAT = 1;

/** The envelope partnerd writes; `value` comes last so that `cat` shows the metadata first. */
export interface FileEnvelope {
  partnerd: typeof ENVELOPE_FORMAT;
  /** Generation counter: "1" for the first write, one more on every `put`. A hand-written file is "0". */
  version: string;
  /** ISO 8601. */
  updatedAt: string;
  metadata?: {
    profile?: string;
    fingerprint?: string;
    refreshedAt?: string;
    expiresByInactivityAt?: string;
  };
  /**
   * `envelopeCheck(version, value)`. A put may rewrite a reused file in place (see replace.ts), and a
   * crash during that write can leave it part old, part new: a crash's leftover is completed only when
   * its check holds. `get` does not ask for it, so a person may still edit a file by hand.
   */
  check?: string;
  value: string;
}

/** The stored secret, or a description of what is wrong (without any of the content). */
export function parseEnvelope(text: string): StoredSecret | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return "starts with '{' but is not valid JSON";
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "not a JSON object";
  const envelope = data as Partial<Record<keyof FileEnvelope, unknown>>;
  if (typeof envelope.partnerd !== "number") return `not a partnerd envelope (no "partnerd" format number)`;
  if (envelope.partnerd !== ENVELOPE_FORMAT) {
    return `envelope format ${envelope.partnerd} is not ${ENVELOPE_FORMAT} (written by another partnerd version?)`;
  }
  if (typeof envelope.version !== "string" || !/^[0-9]+$/.test(envelope.version)) {
    return `"version" is not a generation number`;
  }
  if (typeof envelope.value !== "string") return `"value" is not a string`;
  if (
    envelope.metadata !== undefined &&
    (typeof envelope.metadata !== "object" || envelope.metadata === null)
  ) {
    return `"metadata" is not an object`;
  }
  let updatedAt: Date | undefined;
  if (envelope.updatedAt !== undefined) {
    updatedAt = typeof envelope.updatedAt === "string" ? new Date(envelope.updatedAt) : undefined;
    if (updatedAt === undefined || Number.isNaN(updatedAt.getTime())) return `"updatedAt" is not a date`;
  }
  return updatedAt === undefined
    ? { value: envelope.value, version: envelope.version }
    : { value: envelope.value, version: envelope.version, updatedAt };
}

/** Generation of the file a `put` replaces: 0 for a hand-written token, `undefined` when corrupt. */
export function generationOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return 0;
  const envelope = parseEnvelope(trimmed);
  if (typeof envelope === "string") return undefined;
  const generation = Number(envelope.version);
  return Number.isSafeInteger(generation) ? generation : undefined;
}

/** The `check` of an envelope: a digest of its generation and value together. */
export function envelopeCheck(version: string, value: string): string {
  return `sha256:${createHash("sha256").update(`${version}\n${value}`).digest("base64url")}`;
}

/**
 * Generation of a write a crash interrupted, when its file holds one whole envelope whose check holds;
 * `undefined` for anything else (torn, mixed with the reused file's old content, hand-made).
 */
export function completeGenerationOf(text: string): number | undefined {
  const generation = generationOf(text);
  if (generation === undefined || !text.trimStart().startsWith("{")) return undefined;
  const { version, value, check } = JSON.parse(text) as FileEnvelope;
  return check === envelopeCheck(version, value) ? generation : undefined;
}
