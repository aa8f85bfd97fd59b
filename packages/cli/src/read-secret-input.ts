import { readFile } from "node:fs/promises";
import { Secret, UsageError } from "@partnerd/core";

/**
 * Reads a secret named by a `--…-file` flag: a path, or `-` for standard input. Secrets never come
 * from argv (visible in `ps`) or environment variables set for this purpose.
 */
export async function readSecretInput(flag: string, source: string): Promise<Secret> {
  let text: string;
  try {
    text = source === "-" ? await readStdin() : await readFile(source, "utf8");
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read ${source === "-" ? "standard input" : source} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const value = text.replace(/(?:\r?\n)+$/, "");
  if (value === "") throw new UsageError(`${flag}: ${source === "-" ? "standard input" : source} is empty`);
  return new Secret(value);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
