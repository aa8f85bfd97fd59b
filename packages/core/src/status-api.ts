// `@partnerd/core/status`: what `partnerd status` reads from the state folder, without the plugin loaders.

export { findConfigFile } from "./config/find.ts";
export { type ProfileReport, profileReports } from "./engine/profile-report.ts";
export { prefetchStateFolder, type StateFolderSnapshot, type StatePrefetch } from "./state-prefetch.ts";
