import * as z from "#zod";
import { HOOK_EVENTS } from "../hooks/event-names.ts";
import { cronExpressionProblem, timeZoneProblem } from "./cron.ts";
import { described } from "./described.ts";
import { parseDuration } from "./duration.ts";
import { BUILTIN_HOOK_OPTIONS } from "./hook-options.ts";
import { SecretRefSchema } from "./secret-ref.ts";

/** The store every profile uses unless it names another: a file store under the state folder. */
export const DEFAULT_STORE_ID = "default";

/** The cmdlet's `-Environment` values. AzureGermanCloud is accepted only to say that it closed. */
export const ENVIRONMENTS = [
  "AzureCloud",
  "AzureChinaCloud",
  "AzureUSGovernment",
  "AzurePPE",
  "AzureGermanCloud",
] as const;

export const FLOWS = ["refresh-token", "client-credentials"] as const;
export const CONSENT_FLOWS = ["authorization-code", "device-code"] as const;
export const MODULES = ["ExchangeOnline"] as const;

const identifier = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      "expected letters, digits, '.', '_' or '-', starting with a letter or digit",
    ),
  );

const TokenLocationSchema = z.strictObject({
  store: described(
    z._default(identifier, DEFAULT_STORE_ID),
    "Id of a store under `stores:`; `default` is the embedded file store.",
  ),
  name: described(
    z.optional(z.string().check(z.minLength(1))),
    "Secret name in the store; defaults to the profile name.",
  ),
  takeover: described(
    z.optional(z.boolean()),
    "Allow overwriting a secret in this location that partnerd did not create (default false).",
  ),
});

const CronSchema = described(
  z.string().check(
    z.superRefine((value, ctx) => {
      const problem = cronExpressionProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  ),
  'When to refresh, as a cron expression (5 fields, or 6 with seconds first), e.g. "0 3 * * *".',
);

const TimeZoneSchema = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = timeZoneProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);

const DurationSchema = z.string().check(
  z.refine((value) => parseDuration(value) !== undefined, {
    error: (issue) =>
      `"${String(issue.input)}" is not a duration (expected a number with ms, s, m or h, e.g. "5m")`,
  }),
);

const RetrySchema = z.strictObject({
  attempts: described(
    z._default(z.int().check(z.gte(1), z.lte(20)), 5),
    "Attempts per scheduled run for transient failures.",
  ),
  initialDelayMs: z._default(z.int().check(z.gte(0)), 1000),
  maxDelayMs: z._default(z.int().check(z.gte(0)), 60_000),
});

const ClientCertificateSchema = z.strictObject({
  certificate: described(
    SecretRefSchema,
    "PEM with the certificate (and chain); may also hold the private key. Sent as x5c for subject-name/issuer auth.",
  ),
  privateKey: described(z.optional(SecretRefSchema), "PEM private key, when it is not in `certificate`."),
  thumbprint: described(
    z.optional(z.string().check(z.regex(/^[0-9A-Fa-f:\s]+$/, "expected a hex thumbprint"))),
    "SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint the loaded certificate must have.",
  ),
});

const HookFields = {
  name: described(
    z.optional(z.string().check(z.minLength(1))),
    'Name in logs and status; defaults to "<use>#<index>".',
  ),
  use: described(
    z.string().check(z.minLength(1)),
    "Built-in hook (`exec`, `webhook`, `file`) or a package name or path exporting a hook plugin.",
  ),
  on: described(
    z._default(z.array(z.enum(HOOK_EVENTS)).check(z.minLength(1)), ["refreshed"]),
    "Events that run the hook: refreshed, failed, needs-consent, recovered, expiring.",
  ),
  timeoutSeconds: described(
    z.optional(z.number().check(z.positive(), z.lte(3600))),
    "How long the hook may take per event; default 60, or its options.timeoutSeconds + 5.",
  ),
  options: z._default(z.record(z.string(), z.unknown()), {}),
};

/** The fields every hook has; `HookSchema` adds the check of a built-in's options. */
export const HookBaseSchema = z.strictObject(HookFields);

/** One entry of `hooks:`; the options of a built-in (`exec`, `webhook`, `file`) are checked here too. */
export const HookSchema = HookBaseSchema.check(
  z.superRefine((hook, ctx) => {
    if (!Object.hasOwn(BUILTIN_HOOK_OPTIONS, hook.use)) return;
    const schema = BUILTIN_HOOK_OPTIONS[hook.use as keyof typeof BUILTIN_HOOK_OPTIONS];
    const result = schema.safeParse(hook.options);
    if (result.success) return;
    for (const issue of result.error.issues) {
      const path = ["options", ...issue.path];
      // A missing union-typed option (`url`) would otherwise read as "does not fit".
      if (issue.code === "invalid_union" && valueAt(hook.options, issue.path) === undefined) {
        ctx.addIssue({ code: "custom", path, message: "is required" });
      } else ctx.addIssue({ ...issue, path } as Parameters<typeof ctx.addIssue>[0]);
    }
  }),
);

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (inner, key) =>
      typeof inner === "object" && inner !== null ? (inner as Record<PropertyKey, unknown>)[key] : undefined,
    value,
  );
}

const HooksSchema = described(
  z._default(z.array(HookSchema), []),
  "Actions run after a refresh, a failure and other events (see docs/hooks.md).",
);

export const ProfileSchema = z.strictObject({
  flow: described(
    z._default(z.enum(FLOWS), "refresh-token"),
    "refresh-token: keep a user's refresh token alive (App+User). client-credentials: app-only tokens.",
  ),
  consent: described(
    z.optional(z.enum(CONSENT_FLOWS)),
    "How `partnerd login` gets the first refresh token; default authorization-code (browser).",
  ),
  module: described(
    z.optional(z.enum(MODULES)),
    "A preset like the cmdlet's -Module: ExchangeOnline fixes the app id and scope.",
  ),
  applicationId: described(
    z.optional(z.string().check(z.minLength(1))),
    "Client (application) id of the app registration.",
  ),
  clientSecret: described(
    z.optional(SecretRefSchema),
    "The app's client secret, by reference. With it the profile uses a confidential client.",
  ),
  clientCertificate: described(
    z.optional(ClientCertificateSchema),
    "The app's certificate credential (confidential client), instead of a client secret.",
  ),
  environment: described(z.optional(z.enum(ENVIRONMENTS)), "Cloud; defaults to AzureCloud."),
  authority: described(
    z.optional(z.url({ protocol: /^https$/, error: "expected an https:// URL" })),
    "Authority host for any other Entra-compatible identity provider, e.g. https://login.example.com.",
  ),
  protocol: described(
    z.optional(z.enum(["aad", "oidc"])),
    "With `authority`: `oidc` for a generic OpenID Connect provider (no Entra extensions).",
  ),
  tenant: z._default(z.string().check(z.minLength(1)), "organizations"),
  scopes: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  refreshToken: described(
    z._default(
      z.union([TokenLocationSchema, z.array(TokenLocationSchema).check(z.minLength(1))], {
        error: "expected { store: ID, name: KEY } or a list of them",
      }),
      { store: DEFAULT_STORE_ID },
    ),
    "Where the refresh token lives; several locations are all written on every rotation.",
  ),
  schedule: z.optional(CronSchema),
  timezone: described(z.optional(TimeZoneSchema), "Time zone for `schedule`; defaults to the system's."),
  jitter: described(
    z.optional(DurationSchema),
    'Spread runs over this window after each tick (e.g. "5m"); each profile gets a fixed offset from its name.',
  ),
  retry: z.prefault(RetrySchema, {}),
  inactivityDays: described(
    z._default(z.int().check(z.gte(1), z.lte(3650)), 90),
    "Days a refresh token lives unused (Entra ID: 90; an oidc-provider default: 14).",
  ),
  expiringAfterDays: described(
    z.optional(z.int().check(z.gte(1), z.lte(3650))),
    "Raise `expiring` once a day when the token has gone unredeemed this long; default two thirds of inactivityDays (60 of Entra's 90).",
  ),
  hooks: described(HooksSchema, "Hooks of this profile; they run after the global `hooks:`."),
});

export const StoreSchema = z.strictObject({
  use: described(
    z.string().check(z.minLength(1)),
    "Built-in store (`file`, `keyvault`, `aws`) or a package name or path exporting a store plugin.",
  ),
  options: z._default(z.record(z.string(), z.unknown()), {}),
});

/** Identity-provider request timeout when the config names none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 100_000;

export const NetworkSchema = z.strictObject({
  caFile: described(
    z.optional(z.string().check(z.minLength(1))),
    "Extra PEM CA bundle trusted for identity-provider HTTPS.",
  ),
  proxy: described(
    z.optional(z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })),
    "HTTP(S) proxy URL; defaults to HTTPS_PROXY / https_proxy.",
  ),
  // msal-node sets no timeout on token POSTs, MSAL Python (and so `az`) defaults to none; MSAL.NET
  // (Partner Center PowerShell) gets HttpClient's 100 s. Shorter gives up on a slow Entra that has
  // already rotated the token.
  timeoutMs: described(
    z._default(z.int().check(z.gte(100)), DEFAULT_REQUEST_TIMEOUT_MS),
    "Per-request timeout for the identity provider, in ms (default 100000, MSAL.NET's).",
  ),
});

const ListenSchema = z.string().check(
  z.regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. "127.0.0.1:9464"'),
  z.refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65_535, {
    error: "the port must be 0-65535",
  }),
);

const LOOPBACK_LISTEN = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}$/;

export const ManagedIdentitySchema = z.strictObject({
  listen: described(
    z._default(
      z
        .string()
        .check(
          z.regex(
            LOOPBACK_LISTEN,
            "expected a loopback host:port such as 127.0.0.1:42356 (port 0: any free port)",
          ),
        ),
      "127.0.0.1:0",
    ),
    "Loopback address of the Azure App Service managed-identity endpoint; its URL and header secret are written to <stateDir>/managed-identity.env.",
  ),
  profile: described(
    z.optional(identifier),
    "The profile that answers requests without client_id; default: the only profile.",
  ),
});

export const ServerSchema = z.strictObject({
  managedIdentity: described(
    z.optional(ManagedIdentitySchema),
    "Opt-in: serve access tokens to ManagedIdentityCredential / DefaultAzureCredential scripts on loopback.",
  ),
  listen: described(
    z.optional(ListenSchema),
    'Serve /metrics (Prometheus), /healthz and /readyz over HTTP on this loopback address, e.g. "127.0.0.1:9464".',
  ),
});

export const PartnerdConfigSchema = z.strictObject({
  $schema: z.optional(z.string()),
  stateDir: described(
    z.optional(z.string().check(z.minLength(1))),
    "Journal, status and the default store; defaults to $STATE_DIRECTORY or ~/.local/state/partnerd.",
  ),
  network: z.prefault(NetworkSchema, {}),
  server: described(z.prefault(ServerSchema, {}), "What `partnerd run` serves besides its Unix socket."),
  stores: z._default(z.record(identifier, StoreSchema), {}),
  hooks: described(HooksSchema, "Hooks run for every profile, before the profile's own."),
  profiles: z.record(identifier, ProfileSchema),
});

export type PartnerdConfigInput = z.input<typeof PartnerdConfigSchema>;
export type ParsedConfig = z.output<typeof PartnerdConfigSchema>;
export type ParsedProfile = z.output<typeof ProfileSchema>;
export type StoreConfig = z.output<typeof StoreSchema>;
export type NetworkConfig = z.output<typeof NetworkSchema>;
export type ServerConfig = z.output<typeof ServerSchema>;
export type HookConfig = z.output<typeof HookBaseSchema>;
