import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { PartnerdError } from "../errors.ts";
import { Secret } from "../secret.ts";

/** A client certificate ready for msal: what it signs with and what it tells Entra. */
export interface ClientCertificate {
  thumbprintSha256: string;
  thumbprintSha1: string;
  /** PEM chain sent as `x5c` (enables subject-name/issuer authentication). */
  chainPem: string;
  privateKeyPem: Secret;
  subject: string;
  notAfter: Date;
}

export class CertificateError extends PartnerdError {
  constructor(message: string) {
    super("CERTIFICATE_INVALID", message, { exitCode: 2 });
  }
}

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_PEM = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/**
 * Reads a certificate (with its chain) and its private key from PEM text, checks that they belong
 * together, and, when `expectedThumbprint` is given (SHA-1 or SHA-256 hex), that it is this certificate.
 * `where` names the config field in messages; no key material ever reaches a message.
 */
export function loadClientCertificate(
  certificatePem: Secret,
  privateKeyPem: Secret | undefined,
  expectedThumbprint: string | undefined,
  where: string,
): ClientCertificate {
  const blocks = certificatePem.reveal().match(CERTIFICATE_PEM) ?? [];
  if (blocks.length === 0) throw new CertificateError(`${where}: holds no PEM certificate`);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]!);
  } catch {
    throw new CertificateError(`${where}: the first PEM certificate cannot be parsed`);
  }
  const keyText = (privateKeyPem ?? certificatePem).reveal().match(PRIVATE_KEY_PEM);
  if (!keyText) {
    throw new CertificateError(
      `${where}: no PEM private key (put it in the certificate file or in privateKey)`,
    );
  }
  if (keyText[1] === "ENCRYPTED PRIVATE KEY") {
    throw new CertificateError(
      `${where}: the private key is encrypted; partnerd needs an unencrypted PEM key`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText[0]);
  } catch {
    throw new CertificateError(`${where}: the private key cannot be parsed`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new CertificateError(
      `${where}: the private key does not belong to the certificate (${leaf.subject})`,
    );
  }
  const thumbprintSha1 = hex(leaf.fingerprint);
  const thumbprintSha256 = hex(leaf.fingerprint256);
  if (
    expectedThumbprint &&
    expectedThumbprint !== thumbprintSha1 &&
    expectedThumbprint !== thumbprintSha256
  ) {
    throw new CertificateError(
      `${where}: thumbprint ${expectedThumbprint} was expected but the certificate's is ${thumbprintSha1} (SHA-1) / ${thumbprintSha256} (SHA-256)`,
    );
  }
  return {
    thumbprintSha1,
    thumbprintSha256,
    chainPem: blocks.join("\n"),
    privateKeyPem: new Secret(key.export({ format: "pem", type: "pkcs8" }).toString()),
    subject: leaf.subject,
    notAfter: new Date(leaf.validTo),
  };
}

function hex(fingerprint: string): string {
  return fingerprint.replaceAll(":", "").toUpperCase();
}
