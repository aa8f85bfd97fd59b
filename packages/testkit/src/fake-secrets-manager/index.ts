export { FakeSecretsManager } from "./fake-secrets-manager.ts";
export type * from "./types.ts";
