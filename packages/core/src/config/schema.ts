import * as z from "#zod";
import { HOOK_EVENTS } from "../hooks/event-names.ts";
import { cronExpressionProblem, timeZoneProblem } from "./cron.ts";
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
  store: z
    ._default(identifier, DEFAULT_STORE_ID)
    .check(z.describe("Id of a store under `stores:`; `default` is the embedded file store.")),
  name: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe("Secret name in the store; defaults to the profile name.")),
  takeover: z
    .optional(z.boolean())
    .check(
      z.describe("Allow overwriting a secret in this location that partnerd did not create (default false)."),
    ),
});

const CronSchema = z
  .string()
  .check(
    z.superRefine((value, ctx) => {
      const problem = cronExpressionProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  )
  .check(
    z.describe(
      'When to refresh, as a cron expression (5 fields, or 6 with seconds first), e.g. "0 3 * * *".',
    ),
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
  attempts: z
    ._default(z.int().check(z.gte(1), z.lte(20)), 5)
    .check(z.describe("Attempts per scheduled run for transient failures.")),
  initialDelayMs: z._default(z.int().check(z.gte(0)), 1000),
  maxDelayMs: z._default(z.int().check(z.gte(0)), 60_000),
});

const ClientCertificateSchema = z.strictObject({
  certificate: SecretRefSchema.check(
    z.describe(
      "PEM with the certificate (and chain); may also hold the private key. Sent as x5c for subject-name/issuer auth.",
    ),
  ),
  privateKey: z
    .optional(SecretRefSchema)
    .check(z.describe("PEM private key, when it is not in `certificate`.")),
  thumbprint: z
    .optional(z.string().check(z.regex(/^[0-9A-Fa-f:\s]+$/, "expected a hex thumbprint")))
    .check(z.describe("SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint the loaded certificate must have.")),
});

const HookFields = {
  name: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe('Name in logs and status; defaults to "<use>#<index>".')),
  use: z
    .string()
    .check(
      z.minLength(1),
      z.describe(
        "Built-in hook (`exec`, `webhook`, `file`) or a package name or path exporting a hook plugin.",
      ),
    ),
  on: z
    ._default(z.array(z.enum(HOOK_EVENTS)).check(z.minLength(1)), ["refreshed"])
    .check(z.describe("Events that run the hook: refreshed, failed, needs-consent, recovered, expiring.")),
  timeoutSeconds: z
    .optional(z.number().check(z.positive(), z.lte(3600)))
    .check(
      z.describe("How long the hook may take per event; default 60, or its options.timeoutSeconds + 5."),
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

const HooksSchema = z
  ._default(z.array(HookSchema), [])
  .check(z.describe("Actions run after a refresh, a failure and other events (see docs/hooks.md)."));

export const ProfileSchema = z.strictObject({
  flow: z
    ._default(z.enum(FLOWS), "refresh-token")
    .check(
      z.describe(
        "refresh-token: keep a user's refresh token alive (App+User). client-credentials: app-only tokens.",
      ),
    ),
  consent: z
    .optional(z.enum(CONSENT_FLOWS))
    .check(
      z.describe("How `partnerd login` gets the first refresh token; default authorization-code (browser)."),
    ),
  module: z
    .optional(z.enum(MODULES))
    .check(z.describe("A preset like the cmdlet's -Module: ExchangeOnline fixes the app id and scope.")),
  applicationId: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe("Client (application) id of the app registration.")),
  clientSecret: z
    .optional(SecretRefSchema)
    .check(
      z.describe("The app's client secret, by reference. With it the profile uses a confidential client."),
    ),
  clientCertificate: z
    .optional(ClientCertificateSchema)
    .check(z.describe("The app's certificate credential (confidential client), instead of a client secret.")),
  environment: z.optional(z.enum(ENVIRONMENTS)).check(z.describe("Cloud; defaults to AzureCloud.")),
  authority: z
    .optional(z.url({ protocol: /^https$/, error: "expected an https:// URL" }))
    .check(
      z.describe(
        "Authority host for any other Entra-compatible identity provider, e.g. https://login.example.com.",
      ),
    ),
  protocol: z
    .optional(z.enum(["aad", "oidc"]))
    .check(
      z.describe("With `authority`: `oidc` for a generic OpenID Connect provider (no Entra extensions)."),
    ),
  tenant: z._default(z.string().check(z.minLength(1)), "organizations"),
  scopes: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  refreshToken: z
    ._default(
      z.union([TokenLocationSchema, z.array(TokenLocationSchema).check(z.minLength(1))], {
        error: "expected { store: ID, name: KEY } or a list of them",
      }),
      { store: DEFAULT_STORE_ID },
    )
    .check(z.describe("Where the refresh token lives; several locations are all written on every rotation.")),
  schedule: z.optional(CronSchema),
  timezone: z
    .optional(TimeZoneSchema)
    .check(z.describe("Time zone for `schedule`; defaults to the system's.")),
  jitter: z
    .optional(DurationSchema)
    .check(
      z.describe(
        'Spread runs over this window after each tick (e.g. "5m"); each profile gets a fixed offset from its name.',
      ),
    ),
  retry: z.prefault(RetrySchema, {}),
  inactivityDays: z
    ._default(z.int().check(z.gte(1), z.lte(3650)), 90)
    .check(z.describe("Days a refresh token lives unused (Entra ID: 90; an oidc-provider default: 14).")),
  expiringAfterDays: z
    .optional(z.int().check(z.gte(1), z.lte(3650)))
    .check(
      z.describe(
        "Raise `expiring` once a day when the token has gone unredeemed this long; default two thirds of inactivityDays (60 of Entra's 90).",
      ),
    ),
  hooks: HooksSchema.check(z.describe("Hooks of this profile; they run after the global `hooks:`.")),
});

export const StoreSchema = z.strictObject({
  use: z
    .string()
    .check(
      z.minLength(1),
      z.describe(
        "Built-in store (`file`, `keyvault`, `aws`) or a package name or path exporting a store plugin.",
      ),
    ),
  options: z._default(z.record(z.string(), z.unknown()), {}),
});

/** Identity-provider request timeout when the config names none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 100_000;

export const NetworkSchema = z.strictObject({
  caFile: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe("Extra PEM CA bundle trusted for identity-provider HTTPS.")),
  proxy: z
    .optional(z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }))
    .check(z.describe("HTTP(S) proxy URL; defaults to HTTPS_PROXY / https_proxy.")),
  // msal-node sets no timeout on token POSTs, MSAL Python (and so `az`) defaults to none; MSAL.NET
  // (Partner Center PowerShell) gets HttpClient's 100 s. Shorter gives up on a slow Entra that has
  // already rotated the token.
  timeoutMs: z
    ._default(z.int().check(z.gte(100)), DEFAULT_REQUEST_TIMEOUT_MS)
    .check(z.describe("Per-request timeout for the identity provider, in ms (default 100000, MSAL.NET's).")),
});

const ListenSchema = z.string().check(
  z.regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. "127.0.0.1:9464"'),
  z.refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65_535, {
    error: "the port must be 0-65535",
  }),
);

const LOOPBACK_LISTEN = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}$/;

export const ManagedIdentitySchema = z.strictObject({
  listen: z
    ._default(
      z
        .string()
        .check(
          z.regex(
            LOOPBACK_LISTEN,
            "expected a loopback host:port such as 127.0.0.1:42356 (port 0: any free port)",
          ),
        ),
      "127.0.0.1:0",
    )
    .check(
      z.describe(
        "Loopback address of the Azure App Service managed-identity endpoint; its URL and header secret are written to <stateDir>/managed-identity.env.",
      ),
    ),
  profile: z
    .optional(identifier)
    .check(z.describe("The profile that answers requests without client_id; default: the only profile.")),
});

export const ServerSchema = z.strictObject({
  managedIdentity: z
    .optional(ManagedIdentitySchema)
    .check(
      z.describe(
        "Opt-in: serve access tokens to ManagedIdentityCredential / DefaultAzureCredential scripts on loopback.",
      ),
    ),
  listen: z
    .optional(ListenSchema)
    .check(
      z.describe(
        'Serve /metrics (Prometheus), /healthz and /readyz over HTTP on this loopback address, e.g. "127.0.0.1:9464".',
      ),
    ),
});

export const PartnerdConfigSchema = z.strictObject({
  $schema: z.optional(z.string()),
  stateDir: z
    .optional(z.string().check(z.minLength(1)))
    .check(
      z.describe(
        "Journal, status and the default store; defaults to $STATE_DIRECTORY or ~/.local/state/partnerd.",
      ),
    ),
  network: z.prefault(NetworkSchema, {}),
  server: z
    .prefault(ServerSchema, {})
    .check(z.describe("What `partnerd run` serves besides its Unix socket.")),
  stores: z._default(z.record(identifier, StoreSchema), {}),
  hooks: HooksSchema.check(z.describe("Hooks run for every profile, before the profile's own.")),
  profiles: z.record(identifier, ProfileSchema),
});

export type PartnerdConfigInput = z.input<typeof PartnerdConfigSchema>;
export type ParsedConfig = z.output<typeof PartnerdConfigSchema>;
export type ParsedProfile = z.output<typeof ProfileSchema>;
export type StoreConfig = z.output<typeof StoreSchema>;
export type NetworkConfig = z.output<typeof NetworkSchema>;
export type ServerConfig = z.output<typeof ServerSchema>;
export type HookConfig = z.output<typeof HookBaseSchema>;
