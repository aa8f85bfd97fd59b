export { builtinStores } from "./builtin-stores.ts";
export { createLogger, type LogFormat, type LoggerOptions } from "./logger.ts";
