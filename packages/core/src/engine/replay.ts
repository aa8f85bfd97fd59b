import type { ProfileConfig, TokenLocation } from "../config/types.ts";
import { fingerprint } from "../secret.ts";
import type { StoreRegistry } from "../stores/registry.ts";
import type { JournalEntry } from "./journal.ts";

export type ReplayPlan =
  /** Persist the journaled token to these locations (the profile's current ones). */
  | { action: "persist"; entry: JournalEntry }
  /**
   * A location holds a token the entry did not come from, written after the redemption (a person ran
   * `partnerd login` or put a new token in the store): that one is newer; drop the entry.
   */
  | { action: "discard"; location: TokenLocation; storedFingerprint: string };

/**
 * Decides what replaying a journal entry may do. The entry is written to the profile's locations as
 * the current config names them (a user who fixed a store option must not stay stuck on the old one),
 * and never over a value that is newer than the entry. A location that cannot be read is left to the
 * write, which will fail or succeed on its own.
 */
export async function planReplay(
  profile: ProfileConfig,
  entry: JournalEntry,
  stores: StoreRegistry,
): Promise<ReplayPlan> {
  const ours = new Set([entry.refreshToken.fingerprint, entry.previousFingerprint]);
  for (const location of profile.refreshToken) {
    const stored = await stores.read(location.store, location.name).catch(() => undefined);
    if (!stored || stored.value.trim() === "") continue;
    const storedFingerprint = fingerprint(stored.value);
    if (ours.has(storedFingerprint)) continue;
    // A foreign value older than the redemption is what the entry replaced (another location's copy).
    const olderThanEntry = stored.updatedAt !== undefined && stored.updatedAt < entry.redeemedAt;
    if (!olderThanEntry) return { action: "discard", location, storedFingerprint };
  }
  return { action: "persist", entry: { ...entry, locations: profile.refreshToken } };
}
