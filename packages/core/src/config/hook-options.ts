import { z } from "#zod";
import { SecretRefSchema } from "./secret-ref.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");

/** Options of the built-in `exec` hook. */
export const ExecHookOptionsSchema = z.strictObject({
  command: z
    .array(z.string().min(1))
    .min(1)
    .describe("Program and arguments, run without a shell; the event's JSON payload arrives on stdin."),
  env: z
    .array(envName)
    .default([])
    .describe("Names of partnerd's environment variables passed on (PATH is always passed)."),
  cwd: z.string().min(1).optional().describe("Working folder, relative to the config file."),
  timeoutSeconds: z.number().positive().max(3600).default(30).describe("Killed and reported when over."),
  includeAccessToken: z
    .boolean()
    .default(false)
    .describe("Put the access token in the `refreshed` payload (`accessToken`). A refresh token never is."),
  maxOutputBytes: z
    .int()
    .min(0)
    .max(1024 * 1024)
    .default(4096)
    .describe("How much of stdout and stderr each is kept for the log."),
});

/** Options of the built-in `webhook` hook. */
export const WebhookHookOptionsSchema = z.strictObject({
  url: z
    .union([z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }), SecretRefSchema], {
      error: "expected an https:// URL, or { env: NAME } / { file: PATH } when the URL holds a key",
    })
    .describe("Where to POST; by reference when it holds a key (Teams, Slack)."),
  format: z
    .enum(["json", "teams", "slack"])
    .default("json")
    .describe("json: the payload; teams / slack: an incoming-webhook message readable in the channel."),
  secret: SecretRefSchema.optional().describe(
    "HMAC key: adds `X-Partnerd-Signature: sha256=<hex>` over the body.",
  ),
  timeoutSeconds: z.number().positive().max(300).default(10),
  retries: z.int().min(0).max(10).default(3).describe("Further attempts after a network error or 5xx/429."),
  caFile: z.string().min(1).optional().describe("Extra PEM CA bundle trusted for this URL."),
});

/** Options of the built-in `file` hook. */
export const FileHookOptionsSchema = z.strictObject({
  path: z.string().min(1).describe("File to write, relative to the config file."),
  format: z
    .enum(["token", "json"])
    .default("token")
    .describe("token: the access token alone; json: { token, expiry }."),
  mode: z
    .string()
    .regex(/^0?[0-7]{3}$/, 'expected an octal mode such as "0600"')
    .default("0600")
    .describe('File mode, in quotes: "0600".'),
});

export type ExecHookOptions = z.output<typeof ExecHookOptionsSchema>;
export type WebhookHookOptions = z.output<typeof WebhookHookOptionsSchema>;
export type FileHookOptions = z.output<typeof FileHookOptionsSchema>;

/** The built-in hooks' option schemas, by `use:` alias: checked when the config loads, and in the JSON Schema. */
export const BUILTIN_HOOK_OPTIONS = {
  exec: ExecHookOptionsSchema,
  webhook: WebhookHookOptionsSchema,
  file: FileHookOptionsSchema,
} as const;
