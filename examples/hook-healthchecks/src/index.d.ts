/**
 * Types for partnerd-hook-healthchecks (the package is plain JavaScript; see index.js).
 * They come from @partnerd/core, needed only for type checking.
 */
import type { HookPlugin } from "@partnerd/core";

/** The hook contract version this package implements (`HOOK_API_VERSION` of @partnerd/core). */
export declare const API_VERSION: 1;
export declare const DEFAULT_TIMEOUT_SECONDS: 10;

export interface HealthchecksOptions {
  /** The check's ping URL; by reference (`{ env: NAME }`, `{ file: PATH }`), since its path is its key. */
  url: string | { env: string } | { file: string };
  /** @default 10 */
  timeoutSeconds?: number;
}

export interface HealthchecksState {
  url: URL;
  timeoutMs: number;
}

/** Same shape as @partnerd/core's `HookOptionsError`; partnerd reports it at `…hooks.N.options.<key>`. */
export declare class HealthchecksOptionsError extends Error {
  readonly code: "HOOK_OPTIONS";
  readonly exitCode: 2;
  readonly key: string;
  constructor(key: string, problem: string);
}

/** Which ping a partnerd event becomes: success, failure, or a log entry that changes nothing. */
export declare function pingKind(event: string, failureClass?: string): "success" | "fail" | "log";

/** The plugin partnerd loads for `use: partnerd-hook-healthchecks`. */
declare const plugin: HookPlugin<HealthchecksState>;
export default plugin;
