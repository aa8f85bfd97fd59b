import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh OAuth `state`: 128 random bits, base64url (22 characters). */
export function generateState(): string {
  return randomBytes(16).toString("base64url");
}

/** Compares a received `state` with the expected one in constant time (whatever their lengths). */
export function stateMatches(received: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  // Hashing first gives equal-length buffers, so neither content nor length leaks through timing.
  return timingSafeEqual(digest(received), digest(expected)) && received.length === expected.length;
}
