import type { PartnerdConfig, ProfileConfig } from "../config/types.ts";
import { loadClientCertificate } from "../identity/certificate.ts";
import type { AppCredential } from "../identity/credential.ts";
import type { StoreRegistry } from "../stores/registry.ts";
import { resolveSecret } from "./resolve-secret.ts";

/** The profile's client secret or certificate, read now (store references included); none for a public client. */
export async function resolveCredential(
  profile: ProfileConfig,
  stores: StoreRegistry,
  config: PartnerdConfig,
): Promise<AppCredential | undefined> {
  if (profile.clientSecret) {
    return { kind: "secret", secret: await resolveSecret(profile.clientSecret, stores, config) };
  }
  const source = profile.clientCertificate;
  if (!source) return undefined;
  const certificate = await resolveSecret(source.certificate, stores, config);
  const privateKey = source.privateKey ? await resolveSecret(source.privateKey, stores, config) : undefined;
  const where = `profiles.${profile.name}.clientCertificate`;
  return {
    kind: "certificate",
    certificate: loadClientCertificate(certificate, privateKey, source.thumbprint, where),
  };
}
