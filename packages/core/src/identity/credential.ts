import type { Secret } from "../secret.ts";
import type { ClientCertificate } from "./certificate.ts";

/** How a confidential client proves itself; `undefined` means a public client. */
export type AppCredential =
  | { kind: "secret"; secret: Secret }
  | { kind: "certificate"; certificate: ClientCertificate };
