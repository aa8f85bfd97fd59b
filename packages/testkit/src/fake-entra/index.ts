export type { EntraError, ErrorContext } from "./errors.ts";
export { aadsts, entraTimestamp } from "./errors.ts";
export { FakeEntra } from "./fake-entra.ts";
export { clientInfo, decodeJwtPayload } from "./minting.ts";
export type {
  FakeEntraNetworkClient,
  FakeEntraNetworkClientOptions,
  MsalNetworkModule,
  MsalNetworkRequestOptions,
  MsalNetworkResponse,
} from "./msal-network.ts";
export { createFakeEntraNetworkClient } from "./msal-network.ts";
export type * from "./types.ts";
