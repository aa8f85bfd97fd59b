import { randomUUID } from "node:crypto";
import {
  type BuiltinStores,
  type Logger,
  type PartnerdConfig,
  REFRESH_TOKEN_INACTIVITY_MS,
  StoreRegistry,
} from "@partnerd/core";
import { type CheckResult, fail, messageOf, pass } from "./check.ts";

/** The secret every round trip writes; one marked name, so repeated runs add versions, not secrets. */
export const SCRATCH_SECRET = "partnerd-doctor-check";

/**
 * Each store on its own: open it, write a marked scratch value, read it back, close it. The contract has
 * no delete, so the scratch secret stays (marked with profile "partnerd-doctor").
 */
export async function checkStores(
  config: PartnerdConfig,
  storeIds: string[],
  builtinStores: BuiltinStores,
  logger: Logger,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const storeId of storeIds) {
    const check = `store ${storeId}`;
    const only = { ...config, stores: { [storeId]: config.stores[storeId]! } };
    let registry: StoreRegistry;
    try {
      registry = await StoreRegistry.open(only, builtinStores, logger);
    } catch (error) {
      results.push(fail(check, `cannot open: ${messageOf(error)}`));
      continue;
    }
    try {
      const value = `partnerd doctor ${randomUUID()}`;
      const now = new Date();
      await registry.get(storeId).put(SCRATCH_SECRET, value, {
        profile: "partnerd-doctor",
        fingerprint: "doctor",
        refreshedAt: now,
        expiresByInactivityAt: new Date(now.getTime() + REFRESH_TOKEN_INACTIVITY_MS),
      });
      const read = await registry.read(storeId, SCRATCH_SECRET);
      results.push(
        read?.value === value
          ? pass(check, `wrote and read back "${SCRATCH_SECRET}"`)
          : fail(
              check,
              `"${SCRATCH_SECRET}" read back ${read ? "a different value" : "as missing"} after writing`,
            ),
      );
    } catch (error) {
      results.push(fail(check, `round trip on "${SCRATCH_SECRET}" failed: ${messageOf(error)}`));
    } finally {
      await registry.close();
    }
  }
  return results;
}
