import { readFile } from "node:fs/promises";
import {
  type AppCredential,
  createHttpTransport,
  createIdentityClient,
  describeAccessToken,
  type Logger,
  loadClientCertificate,
  type Secret,
  type TokenResult,
  UsageError,
} from "@partnerd/core";
import { runConsent } from "../consent.ts";
import { readSecretInput } from "../read-secret-input.ts";
import type { AdHocFlags } from "./flags.ts";
import { adHocProfile, selectFlow } from "./request.ts";

const EMPTY_CORRELATION_ID = "00000000-0000-0000-0000-000000000000";

/** Runs one `partnerd token` request described by cmdlet-style flags; nothing is stored. */
export async function runAdHoc(
  flags: AdHocFlags,
  options: { noBrowser: boolean; logger: Logger },
): Promise<TokenResult> {
  const stdinUsers = [flags.accessToken, flags.clientSecretFile, flags.refreshTokenFile].filter(
    (f) => f === "-",
  );
  if (stdinUsers.length > 1)
    throw new UsageError("only one of the --…-file flags can read standard input (-)");
  const flow = selectFlow(flags);
  if (flow === "access-token")
    return fromAccessToken(await readSecretInput("--access-token", flags.accessToken!));

  const profile = adHocProfile(flags, flow);
  const credential = await readCredential(flags);
  const transport = createHttpTransport({
    extraCaPem: flags.caFile ? await readCaFile(flags.caFile) : undefined,
    timeoutMs: 30_000,
  });
  const identity = createIdentityClient(transport, options.logger);
  try {
    switch (flow) {
      case "refresh-token":
        return await identity.redeem(
          profile,
          credential,
          await readSecretInput("--refresh-token-file", flags.refreshTokenFile!),
        );
      case "client-credentials":
        return await identity.appToken(profile, credential!);
      case "device-code":
      case "authorization-code":
        return await runConsent(identity, profile, credential, {
          method: flow,
          noBrowser: options.noBrowser,
        });
    }
  } finally {
    await transport.close();
  }
}

async function readCredential(flags: AdHocFlags): Promise<AppCredential | undefined> {
  if (flags.clientSecretFile !== undefined && flags.certificateFile !== undefined) {
    throw new UsageError("use either --client-secret-file or --certificate-file");
  }
  if (flags.clientSecretFile !== undefined) {
    return { kind: "secret", secret: await readSecretInput("--client-secret-file", flags.clientSecretFile) };
  }
  if (flags.certificateFile === undefined) {
    if (flags.certificateThumbprint)
      throw new UsageError("--certificate-thumbprint needs --certificate-file");
    return undefined;
  }
  const certificate = await readSecretInput("--certificate-file", flags.certificateFile);
  const key = flags.privateKeyFile
    ? await readSecretInput("--private-key-file", flags.privateKeyFile)
    : undefined;
  const thumbprint = flags.certificateThumbprint?.replace(/[:\s]/g, "").toUpperCase();
  return {
    kind: "certificate",
    certificate: loadClientCertificate(certificate, key, thumbprint, "--certificate-file"),
  };
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--ca-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

/** The cmdlet's AccessToken set: no network, the token is described and echoed back. */
function fromAccessToken(token: Secret): TokenResult {
  const info = describeAccessToken(token.reveal());
  return {
    accessToken: token,
    expiresOn: info.expiresOn,
    extendedExpiresOn: info.expiresOn,
    tenantId: info.tenantId,
    scopes: info.scopes,
    account:
      info.username && info.objectId
        ? {
            username: info.username,
            homeAccountId: `${info.objectId}.${info.tenantId}`,
            environment: "login.microsoftonline.com",
            tenantId: info.tenantId,
            localAccountId: info.objectId,
          }
        : undefined,
    uniqueId: undefined,
    idToken: undefined,
    refreshToken: undefined,
    correlationId: EMPTY_CORRELATION_ID,
  };
}
