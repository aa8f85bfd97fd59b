import { readFile } from "node:fs/promises";
import {
  createHttpTransport,
  type PartnerdConfig,
  type ProfileConfig,
  resolveAuthority,
} from "@partnerd/core";
import { type CheckResult, fail, messageOf, pass, warn } from "./check.ts";

/** Tokens carry nbf/exp checked to the second or minute; a few seconds of skew are normal. */
const SKEW_WARN_S = 60;
const SKEW_FAIL_S = 300;

/**
 * For each distinct authority: its OpenID discovery document over TLS (with the config's CA and proxy),
 * and the local clock against the provider's `Date` header.
 */
export async function checkIdentityProviders(
  config: PartnerdConfig,
  profiles: ProfileConfig[],
): Promise<CheckResult[]> {
  const extraCaPem = config.network.caFile ? await readFile(config.network.caFile, "utf8") : undefined;
  const transport = createHttpTransport({
    extraCaPem,
    proxy: config.network.proxy,
    timeoutMs: config.network.timeoutMs,
  });
  const results: CheckResult[] = [];
  const seen = new Set<string>();
  try {
    for (const profile of profiles) {
      const url = discoveryUrl(profile);
      if (seen.has(url)) continue;
      seen.add(url);
      results.push(...(await checkOne(transport, url, profile.name)));
    }
  } finally {
    await transport.close();
  }
  return results;
}

function discoveryUrl(profile: ProfileConfig): string {
  const { authority } = resolveAuthority(profile);
  const versioned = profile.protocol === "oidc" ? authority : `${authority}/v2.0`;
  return `${versioned}/.well-known/openid-configuration`;
}

async function checkOne(
  transport: ReturnType<typeof createHttpTransport>,
  url: string,
  profile: string,
): Promise<CheckResult[]> {
  const discovery = `discovery (${profile})`;
  const clock = `clock skew (${profile})`;
  const before = Date.now();
  let response: Awaited<ReturnType<ReturnType<typeof transport.client>["sendGetRequestAsync"]>>;
  try {
    response = await transport.client().sendGetRequestAsync(url);
  } catch (error) {
    return [fail(discovery, messageOf(error)), warn(clock, "not measured: the provider did not answer")];
  }
  const after = Date.now();
  const body = response.body as { issuer?: unknown; token_endpoint?: unknown };
  const results: CheckResult[] = [];
  if (response.status !== 200 || typeof body.token_endpoint !== "string") {
    results.push(fail(discovery, `${url} answered HTTP ${response.status} without a token_endpoint`));
  } else {
    results.push(pass(discovery, `${url}: TLS verified, token endpoint ${body.token_endpoint}`));
  }
  const date = Date.parse(String(response.headers.date ?? ""));
  if (Number.isNaN(date)) {
    results.push(warn(clock, "not measured: the provider sent no Date header"));
    return results;
  }
  // The header has one-second resolution and was stamped somewhere between sending and receiving.
  const local = (before + after) / 2;
  const skewS = Math.round((local - date) / 1000);
  const detail = `this machine is ${Math.abs(skewS)} s ${skewS >= 0 ? "ahead of" : "behind"} the provider`;
  const abs = Math.abs(skewS);
  results.push(
    abs >= SKEW_FAIL_S
      ? fail(clock, `${detail}; fix the time (timedatectl set-ntp true)`)
      : abs >= SKEW_WARN_S
        ? warn(clock, detail)
        : pass(clock, detail),
  );
  return results;
}
