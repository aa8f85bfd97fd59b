import { timingSafeEqual } from "node:crypto";
import type { EntraError } from "./errors.ts";
import { aadsts } from "./errors.ts";
import type { ClientRecord } from "./state.ts";

/**
 * Authenticates the client of a token request. Public clients must present no credential; confidential
 * clients must present their `client_secret`. `client_assertion` (certificates) is the slot for a later
 * extension and is rejected for now.
 *
 * @returns `undefined` when authenticated, else the Entra error to answer with.
 */
export function authenticateClient(client: ClientRecord, form: URLSearchParams): EntraError | undefined {
  const secret = form.get("client_secret");
  const assertion = form.get("client_assertion");
  if (client.clientSecret === undefined) {
    return secret !== null || assertion !== null ? aadsts.publicClientWithCredential() : undefined;
  }
  if (assertion !== null) return aadsts.clientAssertionInvalid();
  if (secret === null || secret === "") return aadsts.missingClientCredential();
  return secretsEqual(secret, client.clientSecret) ? undefined : aadsts.invalidClientSecret(client.clientId);
}

function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
