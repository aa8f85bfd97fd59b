export * from "./fake-entra/index.ts";
export * from "./store-conformance.ts";
export * from "./tls/test-ca.ts";
