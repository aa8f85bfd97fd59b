import type { Adapter, AdapterFactory, AdapterPayload } from "oidc-provider";

/**
 * oidc-provider's storage in plain Maps, one set per provider. The built-in development adapter is an
 * LRU capped at 1000 entries, shared by every provider in the process: a long race test could evict a
 * live grant and see an `invalid_grant` partnerd did not cause. Expiry is left to the provider, which
 * checks `exp` on every read.
 */
export function createMapAdapter(): AdapterFactory {
  const payloads = new Map<string, AdapterPayload>();
  /** grantId → keys of the tokens and codes issued under it. */
  const grants = new Map<string, Set<string>>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();

  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload) {
        payloads.set(key(id), payload);
        if (payload.grantId !== undefined && model !== "Grant") {
          const members = grants.get(payload.grantId) ?? new Set<string>();
          members.add(key(id));
          grants.set(payload.grantId, members);
        }
        if (payload.uid !== undefined) byUid.set(payload.uid, id);
        if (payload.userCode !== undefined) byUserCode.set(payload.userCode, id);
      },
      async find(id) {
        return payloads.get(key(id));
      },
      async findByUid(uid) {
        const id = byUid.get(uid);
        return id === undefined ? undefined : payloads.get(key(id));
      },
      async findByUserCode(userCode) {
        const id = byUserCode.get(userCode);
        return id === undefined ? undefined : payloads.get(key(id));
      },
      async consume(id) {
        const payload = payloads.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        payloads.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const member of grants.get(grantId) ?? []) payloads.delete(member);
        grants.delete(grantId);
      },
    };
  };
}
