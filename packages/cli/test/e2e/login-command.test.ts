import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { chromiumSkipReason, launchChromium } from "@partnerd/testkit";
import { describe, expect, it } from "vitest";
import {
  createWorkspace,
  PartnerdProcess,
  runPartnerd,
  storedToken,
  useFakeEntra,
  type Workspace,
} from "./harness.ts";

const fake = useFakeEntra();

/** What a browser does with the authorize URL when the fake consents at once: follow its redirect to partnerd. */
async function signInWithoutBrowser(authorizeUrl: string): Promise<{ status: number; page: string }> {
  const location = await new Promise<string>((resolve, reject) => {
    request(authorizeUrl, { ca: fake.entra.caPem }, (response) => {
      response.resume();
      if (response.statusCode === 302 && response.headers.location) resolve(response.headers.location);
      else reject(new Error(`authorize answered ${response.statusCode}`));
    })
      .on("error", reject)
      .end();
  });
  const response = await fetch(location);
  return { status: response.status, page: await response.text() };
}

async function authorizeUrlFrom(process: PartnerdProcess): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const match = /https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+/.exec(process.stderr);
    if (match) return match[0];
    if (process.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no sign-in URL on stderr:\n${process.stderr}`);
}

/** Two adjacent ports held open, picked at random below the ephemeral range so no test collides with them. */
async function occupyTwoAdjacentPorts(): Promise<{ first: number; servers: Server[] }> {
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 10_000);
    const servers: Server[] = [];
    try {
      servers.push(await listen(first), await listen(first + 1));
      return { first, servers };
    } catch {
      for (const server of servers) server.close();
    }
  }
}

async function deviceCodePrompt(process: PartnerdProcess): Promise<void> {
  for (let i = 0; i < 400 && !process.stderr.includes("enter the code"); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(process.stderr).toContain("https://microsoft.com/devicelogin");
}

const publicDeviceCodeProfile = ({ clientId }: { clientId: string }) =>
  [
    "  pc:",
    `    applicationId: ${clientId}`,
    "    consent: device-code",
    `    authority: ${fake.entra.url}`,
    "    scopes: [https://api.partnercenter.microsoft.com/user_impersonation]",
  ].join("\n");

describe("partnerd login: browser consent", () => {
  it("consents through the loopback redirect, stores the refresh token durably, and reports it", async () => {
    fake.entra.consent = "auto";
    const ws = await createWorkspace(fake.entra, { seed: false });
    const login = new PartnerdProcess(["login", "pc", "--no-browser", "-c", ws.configPath]);
    const url = await authorizeUrlFrom(login);
    const params = new URL(url).searchParams;
    expect(params.get("redirect_uri")).toMatch(/^http:\/\/localhost:(8[4-9]\d\d)\/$/);
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("state")).toBeTruthy();

    const { status, page } = await signInWithoutBrowser(url);
    expect(status).toBe(200);
    expect(page).toContain("Authentication complete");
    expect((await login.exited).code).toBe(0);

    const stored = await storedToken(ws.secretsDir);
    expect(fake.entra.isValidRefreshToken(stored!)).toBe(true);
    expect(login.stdout).toMatch(
      /Signed in as .+\. Stored refresh token [0-9a-f]{12} for profile "pc" in default:pc \(version 1\)\./,
    );
    expect(login.stdout).toMatch(/It expires if unused by \d{4}-\d\d-\d\dT/);
    const lastAuth = fake.entra.tokenRequests.at(-1);
    expect(lastAuth).toMatchObject({ grantType: "authorization_code", clientAuth: "secret" });
  });

  it("asks Entra for its account picker, and sends a generic OIDC provider no prompt it may refuse", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const entraLogin = new PartnerdProcess(["login", "pc", "--no-browser", "-c", ws.configPath]);
    expect((await signInWithoutBrowser(await authorizeUrlFrom(entraLogin))).status).toBe(200);
    expect((await entraLogin.exited).code).toBe(0);
    expect(fake.entra.authorizeRequests.at(-1)?.prompt).toBe("select_account");
    // Not a terminal, yet the log lines among the sign-in instructions are readable lines, not JSON.
    expect(entraLogin.stderr).toMatch(/^\d\d:\d\d:\d\d (DEBUG|INFO ) /m);
    expect(entraLogin.stderr).not.toMatch(/^\{/m);

    fake.entra.oidc = true;
    try {
      const oidc = await createWorkspace(fake.entra, {
        seed: false,
        profileYaml: ({ clientId }) =>
          [
            "  pc:",
            `    applicationId: ${clientId}`,
            "    clientSecret: { file: ./client-secret }",
            `    authority: ${fake.entra.url}/${fake.entra.tenantId}/v2.0`,
            "    protocol: oidc",
            "    scopes: [api://partner/read]",
          ].join("\n"),
      });
      const login = new PartnerdProcess(["login", "pc", "--no-browser", "-c", oidc.configPath]);
      expect((await signInWithoutBrowser(await authorizeUrlFrom(login))).status).toBe(200);
      expect((await login.exited).code).toBe(0);
      expect(fake.entra.authorizeRequests.at(-1)).not.toHaveProperty("prompt");
      expect(fake.entra.isValidRefreshToken((await storedToken(oidc.secretsDir))!)).toBe(true);
    } finally {
      fake.entra.oidc = false;
    }
  });

  it("a person who cancels gets a clear error; nothing is written", async () => {
    fake.entra.consent = "deny";
    try {
      const ws = await createWorkspace(fake.entra, { seed: false });
      const login = new PartnerdProcess(["login", "pc", "--no-browser", "-c", ws.configPath]);
      const url = await authorizeUrlFrom(login);
      const location = await new Promise<string>((resolve) =>
        request(url, { ca: fake.entra.caPem }, (r) => {
          r.resume();
          resolve(r.headers.location!);
        }).end(),
      );
      const page = await (await fetch(location)).text();
      expect(page).toContain("Authentication failed");
      const { code } = await login.exited;
      expect(code).toBe(1);
      expect(login.stderr).toContain("AADSTS65004");
      expect(await storedToken(ws.secretsDir)).toBeUndefined();
    } finally {
      fake.entra.consent = "auto";
    }
  });

  it("with every port of the range taken, says which range and exits 1", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const { first, servers } = await occupyTwoAdjacentPorts();
    try {
      const range = `${first}-${first + 1}`;
      const result = await runPartnerd([
        "login",
        "pc",
        "--no-browser",
        "--ports",
        range,
        "-c",
        ws.configPath,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no free port between ${first} and ${first + 1}`);
    } finally {
      for (const server of servers) server.close();
    }
  });

  it("a client-credentials profile has nobody to consent (exit 2)", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      profileYaml: ({ clientId }) =>
        [
          "  app:",
          "    flow: client-credentials",
          `    applicationId: ${clientId}`,
          "    clientSecret: { file: ./client-secret }",
          "    tenant: contoso.com",
          "    scopes: [https://graph.microsoft.com/.default]",
        ].join("\n"),
    });
    const result = await runPartnerd(["login", "app", "-c", ws.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("there is no user to consent");
  });
});

describe.skipIf(chromiumSkipReason() !== undefined)("partnerd login in headless Chromium", () => {
  it("a person clicks Accept on the consent page; partnerd stores the token and the browser shows success", async () => {
    fake.entra.consent = "page";
    const browser = await launchChromium();
    try {
      const ws = await createWorkspace(fake.entra, { seed: false });
      const login = new PartnerdProcess(["login", "pc", "--no-browser", "-c", ws.configPath]);
      const url = await authorizeUrlFrom(login);
      const context = await browser!.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(url);
      expect(await page.title()).toBe("Sign in to your account");
      await page.getByRole("button", { name: "Accept" }).click();
      await page.waitForURL(/^http:\/\/localhost:\d+\//);
      await expect.poll(() => page.textContent("body")).toContain("You can close this tab");
      expect((await login.exited).code).toBe(0);
      expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
    } finally {
      fake.entra.consent = "auto";
      await browser?.close();
    }
  });
});

describe("partnerd login: device code", () => {
  async function startDeviceCodeLogin(ws: Workspace, profile = "pc"): Promise<PartnerdProcess> {
    fake.entra.deviceCode = { intervalSeconds: 0.05, expiresInSeconds: 900 };
    const login = new PartnerdProcess(["login", profile, "-c", ws.configPath]);
    await deviceCodePrompt(login);
    return login;
  }

  it("prints the device-code message on stderr and stores the token once the person approves", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      confidential: false,
      profileYaml: publicDeviceCodeProfile,
    });
    const login = await startDeviceCodeLogin(ws);
    fake.entra.approveDeviceCode();
    expect((await login.exited).code).toBe(0);
    expect(fake.entra.isValidRefreshToken((await storedToken(ws.secretsDir))!)).toBe(true);
    expect(login.stdout).toContain('for profile "pc"');
  });

  it("an expired device code fails with a clear message and nothing is stored", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      confidential: false,
      profileYaml: publicDeviceCodeProfile,
    });
    const login = await startDeviceCodeLogin(ws);
    fake.entra.expireDeviceCode();
    expect((await login.exited).code).toBe(1);
    expect(login.stderr).toMatch(/expired/i);
    expect(await storedToken(ws.secretsDir)).toBeUndefined();
  });

  it("Ctrl-C while waiting for the device code says the sign-in was cancelled; nothing is stored", async () => {
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      confidential: false,
      profileYaml: publicDeviceCodeProfile,
    });
    const login = await startDeviceCodeLogin(ws);
    login.child.kill("SIGINT");
    expect((await login.exited).code).toBe(1);
    expect(login.stderr).toContain("the sign-in was cancelled before the device code was approved");
    expect(login.stderr).not.toMatch(/user_canceled|needs consent|consent again/);
    expect(await storedToken(ws.secretsDir)).toBeUndefined();
  });

  it("--device-code on a confidential profile is refused before anything is sent", async () => {
    const ws = await createWorkspace(fake.entra, { seed: false });
    const before = fake.entra.deviceCodeRequests.length;
    const result = await runPartnerd(["login", "pc", "--device-code", "-c", ws.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("device code needs a public client");
    expect(fake.entra.deviceCodeRequests.length).toBe(before);
  });

  it("module ExchangeOnline: device-code consent with the module's app, then refreshes keep it alive", async () => {
    fake.entra.registerClient({ clientId: "a0c73c16-a7e3-4564-9a95-2bdf47383716" });
    const ws = await createWorkspace(fake.entra, {
      seed: false,
      profileYaml: () =>
        [
          "  exo:",
          "    module: ExchangeOnline",
          `    authority: ${fake.entra.url}`,
          "    tenant: contoso.com",
        ].join("\n"),
    });
    const login = await startDeviceCodeLogin(ws, "exo");
    expect(fake.entra.deviceCodeRequests.at(-1)).toMatchObject({
      clientId: "a0c73c16-a7e3-4564-9a95-2bdf47383716",
    });
    fake.entra.approveDeviceCode();
    expect((await login.exited).code).toBe(0);
    const consented = await storedToken(ws.secretsDir, "exo");
    expect((await runPartnerd(["refresh", "exo", "-c", ws.configPath])).code).toBe(0);
    const refreshed = await storedToken(ws.secretsDir, "exo");
    expect(refreshed).not.toBe(consented);
    expect(fake.entra.isValidRefreshToken(refreshed!)).toBe(true);
    expect(
      JSON.parse(await readFile(join(ws.stateDir, "status", "exo.json"), "utf8")).lastSuccessAt,
    ).toBeDefined();
  });
});
