/**
 * A config with `count` profiles, as an MSP with many customers would write it: one shared client
 * secret file, a daily schedule with jitter, and a status file per profile (as after a first refresh).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function writeScaleConfig(
  dir: string,
  count: number,
  authority = "https://127.0.0.1:1",
): Promise<string> {
  await mkdir(join(dir, "state", "status"), { recursive: true });
  await writeFile(join(dir, "client-secret"), "bench-secret\n", { mode: 0o600 });
  const lines = ["stateDir: ./state", "profiles:"];
  const now = new Date().toISOString();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const name = `customer-${i}`;
    lines.push(
      `  ${name}:`,
      "    applicationId: 5f1c3a52-7d1e-4c59-9a8e-2a0b6f0d9c11",
      "    clientSecret: { file: ./client-secret }",
      `    authority: ${authority}`,
      "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
      `    schedule: "${i % 60} 3 * * *"`,
      "    jitter: 5m",
    );
    const status = { lastAttemptAt: now, lastSuccessAt: now, fingerprint: "abc", refreshTokenIssuedAt: now };
    writes.push(writeFile(join(dir, "state", "status", `${name}.json`), JSON.stringify(status)));
  }
  await Promise.all(writes);
  const file = join(dir, "partnerd.yaml");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}
