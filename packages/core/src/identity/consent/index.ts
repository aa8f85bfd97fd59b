export { ConsentError, type ConsentErrorCode } from "./errors.ts";
export {
  DEFAULT_CONSENT_TIMEOUT_MS,
  DEFAULT_FIRST_PORT,
  DEFAULT_LAST_PORT,
  type LoopbackListener,
  type LoopbackListenerOptions,
  type LoopbackResult,
  startLoopbackListener,
} from "./loopback.ts";
export { browserCommand, type OpenBrowserOptions, openBrowser } from "./open-browser.ts";
export { generateState, stateMatches } from "./state.ts";
