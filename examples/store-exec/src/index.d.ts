/**
 * Types for partnerd-store-exec (the package is plain JavaScript; see index.js).
 * They come from @partnerd/core, an optional peer dependency needed only for type checking.
 */
import type { Logger, SecretStore, StorePlugin } from "@partnerd/core";

export declare const STORE_NAME: "exec";
/** The store contract version this package implements (`STORE_API_VERSION` of @partnerd/core). */
export declare const API_VERSION: 1;
/** Version of the stdin/stdout protocol; helpers see it as `PARTNERD_EXEC_PROTOCOL`. */
export declare const PROTOCOL_VERSION: 1;
export declare const DEFAULT_TIMEOUT_MS: 10000;

export interface ExecStoreOptions {
  /**
   * The helper and its arguments (argv; never a shell string). partnerd appends `get` or `store`.
   * A program path containing `/` resolves from the config file's folder; a bare name from `PATH`.
   */
  command: [string, ...string[]];
  /**
   * How long one helper run may take; then its process group is killed (SIGTERM, SIGKILL 1 s later).
   * @default 10000
   */
  timeoutMs?: number;
  /** Extra, non-secret environment variables for the helper. */
  env?: Record<string, string>;
  /**
   * Variables of partnerd's own environment the helper needs (e.g. `BW_SESSION`), on top of `BASE_ENV`
   * (PATH, HOME, locale…). A variable partnerd reads a secret from is never passed.
   */
  passEnv?: string[];
}

/** What `createExecStore` needs from partnerd's `StoreContext`; everything has a default. */
export interface ExecStoreContext {
  /** @default "exec" */
  storeId?: string;
  /**
   * Folder a relative program path resolves from, and the helper's working folder.
   * @default process.cwd()
   */
  configDir?: string;
  logger?: Logger;
  /** Variables partnerd read a secret from; never passed to the helper (core's `StoreContext` has it). */
  secretEnvironmentNames?: ReadonlySet<string>;
}

/** Variables of partnerd's environment every helper gets; more only through `passEnv`. */
export declare const BASE_ENV: readonly string[];

export interface ExecStore extends SecretStore {
  /** The argv partnerd runs, before `get`/`store`; the program path is resolved. */
  readonly command: readonly string[];
  /** Waits for helpers already running, then refuses further calls. Idempotent. */
  close(): Promise<void>;
}

/** Same shape as @partnerd/core's `StoreError`; partnerd recognises it by `code`. */
export declare class ExecStoreError extends Error {
  readonly code: "STORE_FAILED";
  readonly exitCode: 1;
  readonly storeId: string;
  readonly secretName: string | undefined;
  constructor(
    storeId: string,
    secretName: string | undefined,
    message: string,
    options?: { cause?: unknown },
  );
}

/** Same shape as @partnerd/core's `StoreOptionsError`; partnerd reports it at `stores.<id>.options.<key>`. */
export declare class ExecStoreOptionsError extends Error {
  readonly code: "STORE_OPTIONS";
  readonly exitCode: 2;
  readonly key: string;
  constructor(storeId: string, key: string, problem: string);
}

/** Builds an exec store; `options` are validated as if they came from the config. */
export declare function createExecStore(
  options: Record<string, unknown>,
  context?: ExecStoreContext,
): ExecStore;

/** partnerd's fingerprint of a value: the first 12 hex digits of its SHA-256. */
export declare function fingerprint(value: string): string;

/** The plugin partnerd loads for `use: partnerd-store-exec`. */
declare const plugin: StorePlugin;
export default plugin;
