import type { HookReport } from "../hooks/runner.ts";
import type { IdentityClient } from "../identity/identity-client.ts";
import type { SecretStore } from "../stores/contract.ts";

/** Timings of the slow parts of a refresh, for metrics. Called after each call, success or not. */
export interface RuntimeObserver {
  redemption?(profile: string, seconds: number, ok: boolean): void;
  storeWrite?(store: string, seconds: number, ok: boolean): void;
  /** Every hook run, with whether it succeeded. */
  hookRun?(report: HookReport): void;
}

async function timed<T>(call: () => Promise<T>, record: (seconds: number, ok: boolean) => void): Promise<T> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await call();
    record(seconds(), true);
    return result;
  } catch (error) {
    record(seconds(), false);
    throw error;
  }
}

/** The client with its refresh-token redemptions and app-token requests timed. */
export function observedIdentity(client: IdentityClient, observer: RuntimeObserver): IdentityClient {
  const record = (profile: string) => (seconds: number, ok: boolean) =>
    observer.redemption?.(profile, seconds, ok);
  return {
    ...client,
    redeem: (profile, credential, token) =>
      timed(() => client.redeem(profile, credential, token), record(profile.name)),
    appToken: (profile, credential) =>
      timed(() => client.appToken(profile, credential), record(profile.name)),
  };
}

/** The store with its writes timed; every other member is the store's own, called on the store itself. */
export function observedStore(storeId: string, store: SecretStore, observer: RuntimeObserver): SecretStore {
  const put: SecretStore["put"] = (name, value, metadata) =>
    timed(
      () => store.put(name, value, metadata),
      (seconds, ok) => observer.storeWrite?.(storeId, seconds, ok),
    );
  return new Proxy(store, {
    get(target, property) {
      if (property === "put") return put;
      const value: unknown = Reflect.get(target, property, target);
      // Plugin stores may keep #private state: their methods must run with the real store as `this`.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
