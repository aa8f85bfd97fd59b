import * as z from "#zod";
import { described } from "./described.ts";
import { SecretRefSchema } from "./secret-ref.ts";

const envName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"));

/** Options of the built-in `exec` hook. */
export const ExecHookOptionsSchema = z.strictObject({
  command: described(
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    "Program and arguments, run without a shell; the event's JSON payload arrives on stdin.",
  ),
  env: described(
    z._default(z.array(envName), []),
    "Names of partnerd's environment variables passed on (PATH is always passed).",
  ),
  cwd: described(
    z.optional(z.string().check(z.minLength(1))),
    "Working folder, relative to the config file.",
  ),
  timeoutSeconds: described(
    z._default(z.number().check(z.positive(), z.lte(3600)), 30),
    "Killed and reported when over.",
  ),
  includeAccessToken: described(
    z._default(z.boolean(), false),
    "Put the access token in the `refreshed` payload (`accessToken`). A refresh token never is.",
  ),
  maxOutputBytes: described(
    z._default(z.int().check(z.gte(0), z.lte(1024 * 1024)), 4096),
    "How much of stdout and stderr each is kept for the log.",
  ),
});

/** Options of the built-in `webhook` hook. */
export const WebhookHookOptionsSchema = z.strictObject({
  url: described(
    z.union(
      [z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }), SecretRefSchema],
      {
        error: "expected an https:// URL, or { env: NAME } / { file: PATH } when the URL holds a key",
      },
    ),
    "Where to POST; by reference when it holds a key (Teams, Slack).",
  ),
  format: described(
    z._default(z.enum(["json", "teams", "slack"]), "json"),
    "json: the payload; teams / slack: an incoming-webhook message readable in the channel.",
  ),
  secret: described(
    z.optional(SecretRefSchema),
    "HMAC key: adds `X-Partnerd-Signature: sha256=<hex>` over the body.",
  ),
  timeoutSeconds: z._default(z.number().check(z.positive(), z.lte(300)), 10),
  retries: described(
    z._default(z.int().check(z.gte(0), z.lte(10)), 3),
    "Further attempts after a network error or 5xx/429.",
  ),
  caFile: described(
    z.optional(z.string().check(z.minLength(1))),
    "Extra PEM CA bundle trusted for this URL.",
  ),
});

/** Options of the built-in `file` hook. */
export const FileHookOptionsSchema = z.strictObject({
  path: described(z.string().check(z.minLength(1)), "File to write, relative to the config file."),
  format: described(
    z._default(z.enum(["token", "json"]), "token"),
    "token: the access token alone; json: { token, expiry }.",
  ),
  mode: described(
    z._default(z.string().check(z.regex(/^0?[0-7]{3}$/, 'expected an octal mode such as "0600"')), "0600"),
    'File mode, in quotes: "0600".',
  ),
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
