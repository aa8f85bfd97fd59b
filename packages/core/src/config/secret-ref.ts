import * as z from "#zod";

/** A secret is never written literally in the config; it is named by where to read it from. */
export const SecretRefSchema = z.union(
  [
    z.strictObject({
      env: z
        .string()
        .check(z.minLength(1), z.describe("Name of the environment variable holding the secret.")),
    }),
    z.strictObject({
      file: z
        .string()
        .check(
          z.minLength(1),
          z.describe(
            "Path of a file holding the secret; relative to the config file. `$CREDENTIALS_DIRECTORY` expands (systemd LoadCredential=).",
          ),
        ),
    }),
    z.strictObject({
      store: z.string().check(z.minLength(1), z.describe("Id of a store under `stores:`.")),
      name: z.string().check(z.minLength(1), z.describe("Secret name in that store.")),
    }),
  ],
  { error: "expected { env: NAME }, { file: PATH } or { store: ID, name: KEY }" },
);

export type SecretRef = z.infer<typeof SecretRefSchema>;
