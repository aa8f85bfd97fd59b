// `@partnerd/core/status`: what `partnerd status` reads from the state folder, without the plugin loaders.

export { type ProfileReport, profileReports } from "./engine/profile-report.ts";
