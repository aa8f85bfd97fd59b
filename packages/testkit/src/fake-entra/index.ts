export { ASSERTION_CLOCK_SKEW_S, JWT_BEARER_ASSERTION_TYPE } from "./client-auth.ts";
export { DEVICE_LOGIN_URL } from "./device-code-endpoint.ts";
export type { EntraError, ErrorContext } from "./errors.ts";
export { aadsts, entraTimestamp } from "./errors.ts";
export { FakeEntra } from "./fake-entra.ts";
export type { FollowAuthorizeOptions, FollowAuthorizeResult } from "./follow-authorize.ts";
export { followAuthorizeUrl } from "./follow-authorize.ts";
export { clientInfo, decodeJwtPayload } from "./minting.ts";
export type {
  FakeEntraNetworkClient,
  FakeEntraNetworkClientOptions,
  MsalNetworkModule,
  MsalNetworkRequestOptions,
  MsalNetworkResponse,
} from "./msal-network.ts";
export { createFakeEntraNetworkClient } from "./msal-network.ts";
export { redirectUriMatches } from "./redirect-uris.ts";
export type * from "./types.ts";
