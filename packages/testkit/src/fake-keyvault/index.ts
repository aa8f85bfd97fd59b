export { KEY_VAULT_RESOURCE } from "./auth.ts";
export { FakeKeyVault } from "./fake-keyvault.ts";
export type * from "./types.ts";
