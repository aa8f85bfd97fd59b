import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CryptoProvider, PublicClientApplication } from "@azure/msal-node";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumSkipReason, launchChromium } from "../src/browser/index.ts";
import {
  createFakeEntraNetworkClient,
  FakeEntra,
  type FakeEntraNetworkClient,
} from "../src/fake-entra/index.ts";

const SCOPES = ["https://api.partnercenter.microsoft.com/user_impersonation"];

describe.skipIf(chromiumSkipReason() !== undefined)("consent page in headless Chromium", () => {
  let entra: FakeEntra;
  let browser: Browser | undefined;
  let net: FakeEntraNetworkClient;
  let listener: Server;
  let port = 0;
  const hits: URL[] = [];

  beforeAll(async () => {
    [entra, browser] = await Promise.all([FakeEntra.start({ consent: "page" }), launchChromium()]);
    net = createFakeEntraNetworkClient({ ca: entra.caPem });
    // The app's loopback listener, like New-PartnerAccessToken's HttpListener on http://localhost:<port>/.
    listener = createServer((req, res) => {
      const url = new URL(req.url ?? "/", `http://localhost:${port}`);
      if (url.pathname === "/") hits.push(url); // not /favicon.ico
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><head><title>Authentication Complete</title></head><body>done</body></html>");
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    port = (listener.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await browser?.close();
    net?.destroy();
    await new Promise((r) => listener?.close(r));
    await entra?.close();
  });

  async function signIn(button: "Accept" | "Cancel") {
    const clientId = randomUUID();
    entra.registerClient({ clientId });
    const pca = new PublicClientApplication({
      auth: { clientId, authority: entra.authority(), knownAuthorities: [entra.host] },
      system: { networkClient: net },
    });
    const redirectUri = `http://localhost:${port}/`;
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const state = randomUUID();
    const url = await pca.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri,
      state,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
    });
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(5_000);
      await page.goto(url);
      expect(await page.title()).toBe("Sign in to your account");
      await expect(page.locator("#displayName").textContent()).resolves.toBe(entra.user.name);
      await Promise.all([
        page.waitForURL(`${redirectUri}**`),
        page.getByRole("button", { name: button }).click(),
      ]);
      expect(await page.title()).toBe("Authentication Complete");
    } finally {
      await context.close();
    }
    const hit = hits.at(-1)!;
    expect(hit.searchParams.get("state")).toBe(state);
    return { pca, hit, verifier, redirectUri, state };
  }

  it("Accept → the loopback listener gets a code that msal redeems", async () => {
    const { pca, hit, verifier, redirectUri, state } = await signIn("Accept");
    const code = hit.searchParams.get("code") ?? "";
    const res = await pca.acquireTokenByCode(
      { code, scopes: SCOPES, redirectUri, codeVerifier: verifier, state },
      { code, state },
    );
    expect(res.account?.username).toBe(entra.user.preferredUsername);
  });

  it("Cancel → access_denied AADSTS65004 at the loopback listener", async () => {
    const { hit } = await signIn("Cancel");
    expect(hit.searchParams.get("error")).toBe("access_denied");
    expect(hit.searchParams.get("error_description")).toMatch(/^AADSTS65004: User declined to consent/);
  });
});
