import { ConsentError, generateState, type LoopbackListener, startLoopbackListener } from "@partnerd/core";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chromiumSkipReason, launchChromium } from "../src/browser/index.ts";

const skipReason = chromiumSkipReason();
const CANARY = "CANARY-0.AXoA-browser-code";

describe.skipIf(skipReason !== undefined)(
  skipReason === undefined ? "loopback redirect in headless Chromium" : `headless Chromium: ${skipReason}`,
  () => {
    let browser: Browser;
    let page: Page;
    let listener: LoopbackListener | undefined;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      const launched = await launchChromium();
      if (!launched) throw new Error("chromiumSkipReason() said Chromium exists, yet it did not launch");
      browser = launched;
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function start(firstPort: number, state: string): Promise<LoopbackListener> {
      listener = await startLoopbackListener({ firstPort, lastPort: firstPort + 19, expectedState: state });
      page = await browser.newPage();
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      return listener;
    }
    afterEach(async () => {
      await listener?.close();
      await page?.close();
      expect(cspViolations).toEqual([]);
    });

    it("shows the success page for ?code&state on http://localhost:<port>/ and resolves the code", async () => {
      const state = generateState();
      const { redirectUri, result } = await start(18700, state);
      const response = await page.goto(`${redirectUri}?code=${CANARY}&state=${state}&session_state=x`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe("Authentication complete");
      expect(await page.locator("h1").textContent()).toBe("Authentication complete");
      expect(await page.locator("body").textContent()).toContain(
        "You can close this tab and return to partnerd.",
      );
      // The inline stylesheet is allowed by the CSP hash, so it applies.
      const color = await page.evaluate("getComputedStyle(document.querySelector('h1')).color");
      expect(color).toBe("rgb(26, 127, 55)");
      await expect(result).resolves.toEqual({ code: CANARY });
    });

    it("shows the failure page for error=access_denied, the description as text, and rejects", async () => {
      const state = generateState();
      const { redirectUri, result } = await start(18720, state);
      const description = "AADSTS65004: User declined to consent to access the app. <b>bold</b>";
      const query = new URLSearchParams({ error: "access_denied", error_description: description, state });
      const response = await page.goto(`${redirectUri}?${query}`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe("Authentication failed");
      const text = await page.locator("body").textContent();
      expect(text).toContain("access_denied");
      expect(text).toContain(description); // rendered literally: escaped, not markup
      expect(await page.locator("dd b").count()).toBe(0);
      const error = await result.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConsentError);
      expect(error).toMatchObject({ code: "CONSENT_DENIED", oauthError: "access_denied" });
    });

    it("accepts response_mode=form_post submitted by the browser", async () => {
      const state = generateState();
      const { redirectUri, result } = await start(18740, state);
      await page.setContent(
        `<form method="post" action="${redirectUri}">` +
          `<input name="code" value="${CANARY}"><input name="state" value="${state}"><button>Go</button></form>`,
      );
      await Promise.all([page.waitForURL(redirectUri), page.click("button")]);
      expect(await page.title()).toBe("Authentication complete");
      await expect(result).resolves.toEqual({ code: CANARY });
    });
  },
);
