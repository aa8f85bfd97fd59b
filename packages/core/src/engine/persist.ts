import type { TokenLocation } from "../config/types.ts";
import { StoreError } from "../errors.ts";
import type { Secret } from "../secret.ts";
import type { SecretMetadata } from "../stores/contract.ts";
import { asStoreError, type StoreRegistry } from "../stores/registry.ts";
import type { StoredLocation } from "./events.ts";

/**
 * Writes `token` to one location and reads it back (unless the store's writes are `durableWrites`). With `checkFirst` (a journal replay, a retry, an
 * unchanged token), a location that already holds it is not written again; a fresh rotation skips that
 * read, since the store cannot hold a token minted a moment ago.
 */
export async function persistToLocation(
  stores: StoreRegistry,
  location: TokenLocation,
  token: Secret,
  metadata: SecretMetadata,
  { checkFirst }: { checkFirst: boolean },
): Promise<StoredLocation> {
  const { store: storeId, name } = location;
  if (checkFirst) {
    const existing = await stores.read(storeId, name);
    if (existing && existing.value === token.reveal()) {
      return { store: storeId, name, version: existing.version };
    }
  }
  let version: string;
  try {
    const withTakeover = location.takeover ? { ...metadata, takeover: true } : metadata;
    ({ version } = await stores.get(storeId).put(name, token.reveal(), withTakeover));
  } catch (error) {
    throw asStoreError(storeId, name, "write failed", error);
  }
  // Such a store has just written and fsync'd these very bytes itself; reading them back proves nothing.
  if (stores.get(storeId).capabilities.durableWrites === true) return { store: storeId, name, version };
  const readBack = await stores.read(storeId, name);
  if (readBack?.value !== token.reveal()) {
    throw new StoreError(storeId, name, "the value read back after writing does not match what was written");
  }
  return { store: storeId, name, version };
}
