import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { rememberSecret } from "./redaction.ts";

/** A short, stable, non-reversible name for a token, safe to log: the first 12 hex digits of its SHA-256. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 12);
}

/**
 * Holds a secret value so that it cannot leak by accident: string conversion, JSON and
 * `util.inspect` all print the fingerprint. Only `reveal()` returns the value.
 */
export class Secret {
  readonly #value: string;
  readonly fingerprint: string;

  constructor(value: string) {
    this.#value = value;
    rememberSecret(value);
    this.fingerprint = fingerprint(value);
  }

  reveal(): string {
    return this.#value;
  }

  equals(other: Secret): boolean {
    return this.#value === other.#value;
  }

  toString(): string {
    return `[secret ${this.fingerprint}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
