export {
  CHROMIUM_ARGS,
  chromiumPath,
  chromiumSkipReason,
  DEFAULT_CHROMIUM_PATH,
  type LaunchChromiumOptions,
  launchChromium,
} from "./chromium.ts";
