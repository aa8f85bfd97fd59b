import { createHash, type KeyObject, X509Certificate } from "node:crypto";

/** A certificate registered on an app: what Entra keeps of it to check client assertions. */
export interface RegisteredCertificate {
  /** SHA-1 of the DER, upper-case hex. */
  thumbprintSha1: string;
  /** SHA-256 of the DER, upper-case hex. */
  thumbprintSha256: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Parses every PEM certificate block in `pems`. Throws (naming no key material) on garbage. */
export function parseCertificates(pems: string | readonly string[]): RegisteredCertificate[] {
  const blocks = (typeof pems === "string" ? [pems] : pems).flatMap((p) => p.match(PEM_BLOCK) ?? []);
  if (blocks.length === 0) {
    throw new Error("FakeEntra.registerClient: certificatePem holds no PEM certificate");
  }
  return blocks.map((block) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      throw new Error("FakeEntra.registerClient: certificatePem is not a valid X.509 certificate");
    }
    if (cert.publicKey.asymmetricKeyType !== "rsa") {
      throw new Error("FakeEntra.registerClient: only RSA certificates can sign client assertions");
    }
    return {
      thumbprintSha1: createHash("sha1").update(cert.raw).digest("hex").toUpperCase(),
      thumbprintSha256: createHash("sha256").update(cert.raw).digest("hex").toUpperCase(),
      publicKey: cert.publicKey,
      notBefore: cert.validFromDate,
      notAfter: cert.validToDate,
    };
  });
}
