import { readdir } from "node:fs/promises";

/** Names of the `.json` files in `dir`; none when it does not exist. One listing instead of a probe per profile. */
export async function jsonNames(dir: string): Promise<Set<string>> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    // ENOTDIR: something that is not a folder sits there, so it holds no entries.
    if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
    throw error;
  });
  return new Set(names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -".json".length)));
}
