/**
 * Secret store throughput: partnerd's Key Vault and AWS stores, created as the runtime creates them
 * (the plugin's `create(options, context)`), against the bare SDK calls they wrap, on the same loopback
 * fakes with the same credential type and the same TLS trust. Names are written over and over, as
 * refreshes do: the warm-up round takes each store's first write of a name (the ownership check), the
 * measured rounds the steady state. Key Vault runs with the test CA from the store's `caFile` option and
 * with the CA trusted process-wide (`tls.setDefaultCACertificates`, what NODE_EXTRA_CA_CERTS does); the
 * AWS store has no CA option, so it runs with process-wide trust only.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ClientSecretCredential, type TokenCredentialOptions } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { type SecretMetadata, type SecretStore, standaloneStoreContext } from "@partnerd/core";
import awsStore from "@partnerd/store-aws";
import keyVaultStore from "@partnerd/store-keyvault";
import { FakeEntra, FakeKeyVault, FakeSecretsManager } from "@partnerd/testkit";
import { forEachConcurrently } from "./durable-refresh.ts";
import { interleaved, median, type Result, result } from "./stats.ts";

export interface StoresOptions {
  /** Names written (and read) per round by each contender. */
  operations: number;
  concurrency: number;
  rounds: number;
}

type TlsOptions = NonNullable<TokenCredentialOptions["tlsOptions"]>;

/** One contender's calls; `names` are its own, so that nobody's writes change what another one reads. */
interface Contender {
  names: string[];
  put(name: string): Promise<unknown>;
  get(name: string): Promise<unknown>;
}

export async function benchStores(options: StoresOptions): Promise<Result[]> {
  const defaults = tls.getCACertificates("default");
  const dir = await mkdtemp(join(tmpdir(), "partnerd-bench-stores-"));
  try {
    return [...(await benchKeyVault(options, dir, defaults)), ...(await benchAws(options, dir, defaults))];
  } finally {
    tls.setDefaultCACertificates(defaults);
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchKeyVault(options: StoresOptions, dir: string, defaults: string[]): Promise<Result[]> {
  const { operations, concurrency } = options;
  const entra = await FakeEntra.start();
  const kv = await FakeKeyVault.start({ tenantId: entra.tenantId, authority: entra.url });
  try {
    const clientId = "bench-keyvault";
    const clientSecret = randomBytes(24).toString("base64url");
    entra.registerClient({ clientId, clientSecret });
    await writeFile(join(dir, "kv-client-secret"), clientSecret, { mode: 0o600 });
    await writeFile(join(dir, "ca.pem"), kv.caPem);
    const context = standaloneStoreContext({ configDir: dir, storeId: "vault" });
    const store = async (caFile: boolean) =>
      await keyVaultStore.create(
        {
          vaultUrl: kv.url,
          ...(caFile ? { caFile: "ca.pem" } : {}),
          verifyChallengeResource: false,
          credential: {
            type: "client-secret",
            tenantId: entra.tenantId,
            clientId,
            clientSecret: { file: "kv-client-secret" },
            authorityHost: entra.url,
          },
        },
        context,
      );
    // The same credential and client a hand-written script would build; `tlsOptions` as given.
    const client = (tlsOptions: TlsOptions | undefined) => {
      const trust = tlsOptions ? { tlsOptions } : {};
      const credential = new ClientSecretCredential(entra.tenantId, clientId, clientSecret, {
        authorityHost: entra.url,
        disableInstanceDiscovery: true,
        ...trust,
      });
      return new SecretClient(kv.url, credential, { disableChallengeResourceVerification: true, ...trust });
    };
    const ofStore = (prefix: string, opened: SecretStore): Contender => ({
      names: names(prefix, operations),
      put: (name) => opened.put(name, tokenLike(), metadata(name)),
      get: (name) => opened.get(name),
    });
    const ofClient = (prefix: string, sdk: SecretClient): Contender => ({
      names: names(prefix, operations),
      put: (name) => sdk.setSecret(name, tokenLike()),
      get: (name) => sdk.getSecret(name),
    });

    const caFileStore = await store(true);
    const processWideStore = await store(false);
    const contenders = {
      partnerdCaFile: ofStore("pd-cafile", caFileStore),
      // The store's way: one TLS context with the default CAs plus the file.
      bareCaFile: ofClient(
        "sdk-cafile",
        client({ secureContext: tls.createSecureContext({ ca: [...defaults, kv.caPem] }) } as TlsOptions),
      ),
      // The SDK's documented way (`tlsOptions.ca`): the list goes with every request.
      bareCaList: ofClient("sdk-calist", client({ ca: [...defaults, kv.caPem] })),
      partnerdProcessWide: ofStore("pd-global", processWideStore),
      bareProcessWide: ofClient("sdk-global", client(undefined)),
    };
    // Warm-up, which is also each store's first write of its names: the CA-file contenders before the CA
    // is trusted process-wide (proving they trust it through their own options), the others after.
    const warm = async (contender: Contender) => {
      await forEachConcurrently(contender.names, concurrency, contender.put);
      await forEachConcurrently(contender.names, concurrency, contender.get);
    };
    for (const c of [contenders.partnerdCaFile, contenders.bareCaFile, contenders.bareCaList]) await warm(c);
    tls.setDefaultCACertificates([...defaults, kv.caPem]);
    for (const c of [contenders.partnerdProcessWide, contenders.bareProcessWide]) await warm(c);

    const requestsBefore = kv.requests.length;
    const puts = await measure(options, contenders, "put");
    const putRequests = kv.requests.slice(requestsBefore);
    const gets = await measure(options, contenders, "get");
    await caFileStore.close?.();
    await processWideStore.close?.();

    const perWrite = (prefix: string) =>
      (
        putRequests.filter((r) => r.path.startsWith(`/secrets/${prefix}-`)).length /
        options.rounds /
        operations
      ).toFixed(2);
    const label = (what: string, trust: string, unit: string) =>
      `Key Vault ${what}, ${trust}, ${operations} names, concurrency ${concurrency} (${unit}, higher is better)`;
    const med = (xs: number[]) => median(xs).toFixed(0);
    const cpu = (
      m: Measured<keyof typeof contenders>,
      a: keyof typeof contenders,
      b: keyof typeof contenders,
    ) => `partnerd ${median(m.cpuMs[a]).toFixed(2)} ms, bare SDK ${median(m.cpuMs[b]).toFixed(2)} ms`;
    return [
      result(
        label("put", "CA from the store's caFile", "writes/s"),
        "writes/s",
        puts.values.partnerdCaFile,
        {
          name: "bare SecretClient.setSecret, the same CA as one TLS context",
          values: puts.values.bareCaFile,
        },
        ">= 1.0x",
        {
          "bare SDK with tlsOptions.ca (the CA list sent with every request)": `${med(puts.values.bareCaList)} writes/s`,
          "HTTP requests per write (steady state)": `partnerd ${perWrite("pd-cafile")}, bare SDK ${perWrite("sdk-cafile")}; a store's first write of a name reads it first (ownership tag)`,
          "the store also sends":
            "content type and 5 tags (managed-by, profile, fingerprint, refreshed-at, expires-by-inactivity-at)",
          "CPU per write (this process, fakes included)": cpu(puts, "partnerdCaFile", "bareCaFile"),
        },
      ),
      result(
        label("put", "CA trusted process-wide", "writes/s"),
        "writes/s",
        puts.values.partnerdProcessWide,
        { name: "bare SecretClient.setSecret, no tlsOptions", values: puts.values.bareProcessWide },
        ">= 1.0x",
        {
          "CPU per write (this process, fakes included)": cpu(puts, "partnerdProcessWide", "bareProcessWide"),
        },
      ),
      result(
        "Key Vault put: a CA file costs nothing (the store with caFile vs the same store with the CA trusted process-wide)",
        "writes/s",
        puts.values.partnerdCaFile,
        { name: "the store, CA trusted process-wide", values: puts.values.partnerdProcessWide },
        ">= 1.0x",
        {
          // Throughput swings with whatever else the machine runs; CPU per write is the steadier sign.
          "CPU per write (this process, fakes included)": `with caFile ${median(puts.cpuMs.partnerdCaFile).toFixed(2)} ms, process-wide ${median(puts.cpuMs.partnerdProcessWide).toFixed(2)} ms`,
        },
      ),
      result(
        label("get", "CA from the store's caFile", "reads/s"),
        "reads/s",
        gets.values.partnerdCaFile,
        {
          name: "bare SecretClient.getSecret, the same CA as one TLS context",
          values: gets.values.bareCaFile,
        },
        ">= 1.0x",
        {
          "bare SDK with tlsOptions.ca": `${med(gets.values.bareCaList)} reads/s`,
          "the store with the CA trusted process-wide": `${med(gets.values.partnerdProcessWide)} reads/s`,
          "CPU per read (this process, fakes included)": cpu(gets, "partnerdCaFile", "bareCaFile"),
        },
      ),
      result(
        label("get", "CA trusted process-wide", "reads/s"),
        "reads/s",
        gets.values.partnerdProcessWide,
        { name: "bare SecretClient.getSecret, no tlsOptions", values: gets.values.bareProcessWide },
        ">= 1.0x",
        {
          "CPU per read (this process, fakes included)": cpu(gets, "partnerdProcessWide", "bareProcessWide"),
        },
      ),
    ];
  } finally {
    await kv.close();
    await entra.close();
  }
}

async function benchAws(options: StoresOptions, dir: string, defaults: string[]): Promise<Result[]> {
  const { operations, concurrency } = options;
  const sm = await FakeSecretsManager.start({ tls: true });
  try {
    tls.setDefaultCACertificates([...defaults, sm.caPem!]);
    const keys = { accessKeyId: "AKIDBENCH", secretAccessKey: randomBytes(24).toString("base64url") };
    await writeFile(join(dir, "aws-access-key-id"), keys.accessKeyId, { mode: 0o600 });
    await writeFile(join(dir, "aws-secret-access-key"), keys.secretAccessKey, { mode: 0o600 });
    const store = await awsStore.create(
      {
        region: sm.region,
        endpoint: sm.url,
        credentials: {
          accessKeyId: { file: "aws-access-key-id" },
          secretAccessKey: { file: "aws-secret-access-key" },
        },
      },
      standaloneStoreContext({ configDir: dir, storeId: "aws" }),
    );
    const client = new SecretsManagerClient({ region: sm.region, endpoint: sm.url, credentials: keys });
    const contenders = {
      partnerd: {
        names: names("pd", operations),
        put: (name: string) => store.put(name, tokenLike(), metadata(name)),
        get: (name: string) => store.get(name),
      },
      bareSdk: {
        names: names("sdk", operations),
        put: (name: string) =>
          client.send(new PutSecretValueCommand({ SecretId: name, SecretString: tokenLike() })),
        get: (name: string) => client.send(new GetSecretValueCommand({ SecretId: name })),
      },
    };
    // A script writes secrets that exist; the store creates its own on its first write (the warm-up).
    for (const name of contenders.bareSdk.names) {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: tokenLike() }));
    }
    sm.clearRequests();
    for (const c of Object.values(contenders)) await forEachConcurrently(c.names, concurrency, c.put);
    const firstWrites = `partnerd ${describeRequests(sm, "pd", operations)}, bare SDK ${describeRequests(sm, "sdk", operations)} (created beforehand)`;
    for (const c of Object.values(contenders)) await forEachConcurrently(c.names, concurrency, c.get);
    sm.clearRequests();
    const puts = await measure(options, contenders, "put");
    const gets = await measure(options, contenders, "get");
    await store.close?.();
    client.destroy();
    // Counted at the fake after close(), so that a request sent behind a write's back would count too.
    const writes = options.rounds * operations;
    const perWrite = `partnerd ${describeRequests(sm, "pd", writes)}, bare SDK ${describeRequests(sm, "sdk", writes)}`;

    const label = (what: string, unit: string) =>
      `AWS Secrets Manager ${what}, CA trusted process-wide, ${operations} names, concurrency ${concurrency} (${unit}, higher is better)`;
    const cpu = (m: Measured<keyof typeof contenders>) =>
      `partnerd ${median(m.cpuMs.partnerd).toFixed(2)} ms, bare SDK ${median(m.cpuMs.bareSdk).toFixed(2)} ms`;
    return [
      result(
        label("put", "writes/s"),
        "writes/s",
        puts.values.partnerd,
        { name: "bare PutSecretValue", values: puts.values.bareSdk },
        ">= 1.0x",
        {
          "requests per write (steady state, at the fake, reads left out)": perWrite,
          "requests of a store's first write of a name": firstWrites,
          "CA file": "the store has no CA option: a private CA is trusted process-wide, as by the bare SDK",
          "CPU per write (this process, fake included)": cpu(puts),
        },
      ),
      result(
        label("get", "reads/s"),
        "reads/s",
        gets.values.partnerd,
        { name: "bare GetSecretValue", values: gets.values.bareSdk },
        ">= 1.0x",
        { "CPU per read (this process, fake included)": cpu(gets) },
      ),
    ];
  } finally {
    await sm.close();
  }
}

interface Measured<K extends string> {
  /** Operations per second, per round. */
  values: Record<K, number[]>;
  /** CPU of this whole process (the fakes too) per operation, per round. */
  cpuMs: Record<K, number[]>;
}

/** Every contender's names through `operation`, `concurrency` at a time, in interleaved rounds. */
async function measure<K extends string>(
  { concurrency, rounds }: StoresOptions,
  contenders: Record<K, Contender>,
  operation: "put" | "get",
): Promise<Measured<K>> {
  const keys = Object.keys(contenders) as K[];
  const cpuMs = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const roundOf = (key: K) => async () => {
    const contender = contenders[key];
    const cpu = process.cpuUsage();
    const start = performance.now();
    await forEachConcurrently(contender.names, concurrency, contender[operation]);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    cpuMs[key].push((used.user + used.system) / 1000 / contender.names.length);
    return contender.names.length / seconds;
  };
  const values = await interleaved(
    rounds,
    Object.fromEntries(keys.map((k) => [k, roundOf(k)])) as Record<K, () => Promise<number>>,
  );
  return { values, cpuMs };
}

/** Requests per write that reached the fake for `prefix`'s names, by operation (reads left out). */
function describeRequests(sm: FakeSecretsManager, prefix: string, writes: number): string {
  const sent = sm.requests.filter(
    (r) => r.secretId?.startsWith(`${prefix}-`) && r.operation !== "GetSecretValue",
  );
  const byOperation = new Map<string, number>();
  for (const r of sent) byOperation.set(r.operation, (byOperation.get(r.operation) ?? 0) + 1);
  const each = [...byOperation].map(([op, n]) => `${op} ${(n / writes).toFixed(2)}`).join(", ");
  return `${(sent.length / writes).toFixed(2)} (${each})`;
}

function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** A fresh value the size of an Entra refresh token (~1 KB). */
function tokenLike(): string {
  return randomBytes(768).toString("base64url");
}

function metadata(name: string): SecretMetadata {
  const now = new Date();
  return {
    profile: name,
    fingerprint: randomBytes(6).toString("hex"),
    refreshedAt: now,
    expiresByInactivityAt: new Date(now.getTime() + 90 * 86_400_000),
  };
}
