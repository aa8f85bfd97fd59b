import { redactKnownSecrets } from "./redaction.ts";

/**
 * Every error partnerd raises on purpose. Messages name where and what, and never contain a secret.
 * `exitCode` is what the CLI exits with when one reaches the top: 2 for config/usage, 1 otherwise.
 */
export class PartnerdError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    // Redacted here so that no exception partnerd raises can carry a token it has seen.
    super(redactKnownSecrets(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** One problem in a config file, located as precisely as the source allows. */
export interface ConfigIssue {
  file: string;
  /** 1-based; absent when the problem has no single place (e.g. the file is missing). */
  line?: number;
  column?: number;
  /** Dotted path into the document, e.g. `profiles.pc.schedule`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  // The path ends with ": " and so must a bare file: "/tmp: no config file found", never "/tmp no config…".
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

export class ConfigError extends PartnerdError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super("CONFIG_INVALID", issues.map(formatConfigIssue).join("\n"), { exitCode: 2 });
    this.issues = issues;
  }
}

export class UsageError extends PartnerdError {
  constructor(message: string) {
    super("USAGE", message, { exitCode: 2 });
  }
}

/** A store plugin rejected its `options:`; `key` is the option at fault. */
export class StoreOptionsError extends PartnerdError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("STORE_OPTIONS", message, { exitCode: 2 });
    this.key = key;
  }
}

/** A hook plugin rejected its `options:` in `setup`; `key` is the option at fault. */
export class HookOptionsError extends PartnerdError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("HOOK_OPTIONS", message, { exitCode: 2 });
    this.key = key;
  }
}

/** A store could not answer (permissions, I/O, network); distinct from "the secret is missing". */
export class StoreError extends PartnerdError {
  readonly storeId: string;
  readonly secretName: string | undefined;

  constructor(
    storeId: string,
    secretName: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      "STORE_FAILED",
      `store "${storeId}"${secretName ? ` secret "${secretName}"` : ""}: ${message}`,
      options,
    );
    this.storeId = storeId;
    this.secretName = secretName;
  }
}

export type FailureKind = "transient" | "terminal";

/** Redeeming a token failed; `kind` says whether trying again can help. */
export class RefreshError extends PartnerdError {
  readonly profile: string;
  readonly kind: FailureKind;
  /** The AADSTS number when Entra sent one. */
  readonly aadsts: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** What a person should do next, e.g. `partnerd login pc`. */
  readonly hint: string | undefined;

  constructor(
    profile: string,
    kind: FailureKind,
    message: string,
    details: { aadsts?: number; retryAfterMs?: number; hint?: string; cause?: unknown; code?: string } = {},
  ) {
    super(details.code ?? (kind === "terminal" ? "REFRESH_TERMINAL" : "REFRESH_TRANSIENT"), message, {
      cause: details.cause,
    });
    this.profile = profile;
    this.kind = kind;
    this.aadsts = details.aadsts;
    this.retryAfterMs = details.retryAfterMs;
    this.hint = details.hint;
  }
}
