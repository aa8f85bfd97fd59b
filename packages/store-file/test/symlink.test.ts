import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { standaloneStoreContext } from "@partnerd/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import fileStore from "../src/index.ts";

const CLIENT_SECRET = "CLIENT-SECRET-CANARY-3d1f9a77c2";
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "partnerd-file-store-link-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it("refuses a symlinked secret file instead of sending what it points to as a token", async () => {
  const dir = join(root, "secrets");
  const store = await fileStore.create(
    { dir },
    standaloneStoreContext({ configDir: root, storeId: "vault" }),
  );
  await writeFile(join(root, "client-secret"), `${CLIENT_SECRET}\n`, { mode: 0o600 });
  await symlink(join(root, "client-secret"), join(dir, "pc"));

  const read = store.get("pc");
  await expect(read).rejects.toThrow(
    `store "vault" secret "pc": refuses to read ${join(dir, "pc")}: it is a symbolic link`,
  );
  await expect(read).rejects.not.toThrow(CLIENT_SECRET);
  // A write replaces the link itself, never the file it points to.
  const meta = {
    profile: "pc",
    fingerprint: "x",
    refreshedAt: new Date(),
    expiresByInactivityAt: new Date(),
  };
  await expect(store.put("pc", "RT-new-value-1234", meta)).rejects.toThrow("it is a symbolic link");
});
