import { RECOVERABLE_DAYS, type SecretRecord, type VersionRecord } from "./state.ts";

/** Key Vault's wire format for times: whole unix seconds. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** `attributes` of a bundle: unix seconds, plus the vault's recovery level. */
export function attributesOf(version: VersionRecord): Record<string, unknown> {
  return {
    enabled: version.enabled,
    ...(version.notBefore ? { nbf: unixSeconds(version.notBefore) } : {}),
    ...(version.expires ? { exp: unixSeconds(version.expires) } : {}),
    created: unixSeconds(version.created),
    updated: unixSeconds(version.updated),
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: RECOVERABLE_DAYS,
  };
}

/** `https://host/secrets/<name>/<version>`; the SDK parses name and version out of it. */
export function secretId(baseUrl: string, name: string, version: string): string {
  return `${baseUrl}/secrets/${name}/${version}`;
}

/** A SecretBundle (`PUT`/`GET`); `withValue: false` for replies that carry no value (PATCH, recover). */
export function secretBundle(
  baseUrl: string,
  record: SecretRecord,
  version: VersionRecord,
  withValue = true,
): Record<string, unknown> {
  return {
    ...(withValue ? { value: version.value } : {}),
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    id: secretId(baseUrl, record.name, version.version),
    attributes: attributesOf(version),
    tags: { ...version.tags },
  };
}

/** A SecretItem of a list (no value). `withVersion: false` for the vault-wide list (`GET /secrets`). */
export function secretItem(
  baseUrl: string,
  record: SecretRecord,
  version: VersionRecord,
  withVersion = true,
): Record<string, unknown> {
  return {
    id: withVersion ? secretId(baseUrl, record.name, version.version) : `${baseUrl}/secrets/${record.name}`,
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    attributes: attributesOf(version),
    tags: { ...version.tags },
  };
}

/** A DeletedSecretBundle (`DELETE /secrets/{name}`, `GET /deletedsecrets/{name}`): no value. */
export function deletedSecretBundle(baseUrl: string, record: SecretRecord): Record<string, unknown> {
  const newest = record.versions.at(-1);
  const deleted = record.deleted;
  if (!newest || !deleted) throw new Error("deletedSecretBundle: not a soft-deleted secret");
  return {
    recoveryId: `${baseUrl}/deletedsecrets/${record.name}`,
    deletedDate: unixSeconds(deleted.deletedDate),
    scheduledPurgeDate: unixSeconds(deleted.scheduledPurgeDate),
    ...secretBundle(baseUrl, record, newest, false),
  };
}
