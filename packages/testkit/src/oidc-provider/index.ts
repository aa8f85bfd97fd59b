export type { OidcUser } from "./configuration.ts";
export { OIDC_PROVIDER_SCOPE } from "./configuration.ts";
export type { StrictOidcProviderOptions } from "./strict-oidc-provider.ts";
export { StrictOidcProvider } from "./strict-oidc-provider.ts";
