// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (see test-ca.ts); x509 is imported
// lazily below so import sorting cannot break that order.
import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";

/** Options for {@link createTestCertificate}. */
export interface TestCertificateOptions {
  /** Subject (and issuer) CN; default `partnerd test client`. */
  commonName?: string;
  /** Validity in days from `notBefore`; default 365. May be fractional. */
  validDays?: number;
  /** Start of validity; default one hour ago. Put it in the past with a short `validDays` for an expired certificate. */
  notBefore?: Date;
}

/** A self-signed RSA client certificate, as an app registration's "Certificates & secrets" would hold. */
export interface TestCertificate {
  /** The certificate (PEM, `-----BEGIN CERTIFICATE-----`). Register it with `entra.registerClient`. */
  certificatePem: string;
  /** Its RSA private key (PKCS#8 PEM, `-----BEGIN PRIVATE KEY-----`), e.g. for msal's `clientCertificate`. */
  privateKeyPem: string;
  /** SHA-1 of the DER certificate, upper-case hex (what Windows and `x5t` call the thumbprint). */
  thumbprintSha1: string;
  /** SHA-256 of the DER certificate, upper-case hex (msal's `thumbprintSha256`, `x5t#S256`). */
  thumbprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

const DAY_MS = 86_400_000;
const RSA_KEY: webcrypto.RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

/**
 * Creates a fresh self-signed RSA-2048 certificate (SHA-256 signature, digitalSignature key usage,
 * clientAuth EKU) and its private key, in memory. Each call makes a new key pair (~50–200 ms).
 */
export async function createTestCertificate(opts: TestCertificateOptions = {}): Promise<TestCertificate> {
  const x509 = await import("@peculiar/x509");
  const crypto = webcrypto;
  const commonName = opts.commonName ?? "partnerd test client";
  const validDays = opts.validDays ?? 365;
  if (!Number.isFinite(validDays) || validDays <= 0) {
    throw new Error("createTestCertificate: validDays must be a positive number");
  }
  // X.509 validity has one-second resolution; truncate so the returned dates equal the certificate's.
  const notBefore = new Date(Math.floor((opts.notBefore?.getTime() ?? Date.now() - 3_600_000) / 1000) * 1000);
  const notAfter = new Date(Math.floor((notBefore.getTime() + validDays * DAY_MS) / 1000) * 1000);

  const keys = (await crypto.subtle.generateKey(RSA_KEY, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
        .toString("hex")
        .replace(/^[89a-f]/, "7"),
      name: `CN=${escapeDn(commonName)}`,
      keys,
      notBefore,
      notAfter,
      signingAlgorithm: RSA_KEY,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const der = Buffer.from(cert.rawData);
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    certificatePem: cert.toString("pem"),
    privateKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    thumbprintSha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
    thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
    notBefore,
    notAfter,
  };
}

/** Escapes RFC 4514 special characters in a DN attribute value. */
function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}
