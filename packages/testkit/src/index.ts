export * from "./fake-entra/index.ts";
export * from "./fake-keyvault/index.ts";
export * from "./fake-secrets-manager/index.ts";
export type * from "./rotation-probe.ts";
export * from "./store-conformance.ts";
export * from "./tls/test-ca.ts";

// Headless Chromium for browser tests.

export * from "./browser/index.ts";
export * from "./loopback/loopback-server.ts";
export * from "./tls/test-certificate.ts";
