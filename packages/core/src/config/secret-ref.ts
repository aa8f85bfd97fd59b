import * as z from "#zod";
import { described } from "./described.ts";

/** A secret is never written literally in the config; it is named by where to read it from. */
export const SecretRefSchema = z.union(
  [
    z.strictObject({
      env: described(
        z.string().check(z.minLength(1)),
        "Name of the environment variable holding the secret.",
      ),
    }),
    z.strictObject({
      file: described(
        z.string().check(z.minLength(1)),
        "Path of a file holding the secret; relative to the config file. `$CREDENTIALS_DIRECTORY` expands (systemd LoadCredential=).",
      ),
    }),
    z.strictObject({
      store: described(z.string().check(z.minLength(1)), "Id of a store under `stores:`."),
      name: described(z.string().check(z.minLength(1)), "Secret name in that store."),
    }),
  ],
  { error: "expected { env: NAME }, { file: PATH } or { store: ID, name: KEY }" },
);

export type SecretRef = z.infer<typeof SecretRefSchema>;
