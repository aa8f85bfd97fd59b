// @peculiar/x509 resolves its services through tsyringe, which needs a Reflect metadata polyfill loaded
// BEFORE it. The polyfill is imported here and x509 is imported lazily below, so import sorting can't break it.
import "reflect-metadata";
import { webcrypto } from "node:crypto";

/** PEM material for a throwaway test CA and a loopback server certificate it signed. */
export interface TestCa {
  /** The CA certificate (PEM). Give it to clients as `ca`. */
  caPem: string;
  /** The leaf's private key (PKCS#8 PEM). Give it to the server as `key`. */
  keyPem: string;
  /** The leaf certificate (PEM) for `127.0.0.1`, `::1` and `localhost`. Give it to the server as `cert`. */
  certPem: string;
}

const crypto = webcrypto;
const EC_KEY: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING: webcrypto.EcdsaParams = { name: "ECDSA", hash: "SHA-256" };
const DAY_MS = 86_400_000;

let memo: Promise<TestCa> | undefined;

/**
 * Creates (once per process) an in-memory ECDSA P-256 test CA and a leaf certificate for
 * `127.0.0.1` / `::1` / `localhost` (serverAuth) signed by it. Nothing touches the disk.
 * Clients trust it with `ca: caPem`; never via NODE_EXTRA_CA_CERTS.
 */
export function createTestCa(): Promise<TestCa> {
  memo ??= generate().catch((err: unknown) => {
    memo = undefined;
    throw err;
  });
  return memo;
}

async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

async function generate(): Promise<TestCa> {
  const x509 = await import("@peculiar/x509");
  const now = Date.now();
  const notBefore = new Date(now - DAY_MS);
  const notAfter = new Date(now + 30 * DAY_MS);

  const caKeys = await newKeyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=partnerd testkit CA, O=partnerd tests",
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const leafKeys = await newKeyPair();
  const leafCert = await x509.X509CertificateGenerator.create(
    {
      subject: "CN=127.0.0.1",
      issuer: caCert.subject,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          { type: "ip", value: "127.0.0.1" },
          { type: "ip", value: "::1" },
          { type: "dns", value: "localhost" },
        ]),
        await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const pkcs8 = await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey);
  return {
    caPem: caCert.toString("pem"),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    certPem: leafCert.toString("pem"),
  };
}
