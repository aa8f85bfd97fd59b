import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ConsentError } from "../../../src/identity/consent/errors.ts";
import { type LoopbackListener, startLoopbackListener } from "../../../src/identity/consent/loopback.ts";
import { generateState, stateMatches } from "../../../src/identity/consent/state.ts";
import { canConnect, captureLogger, hasIpv6Loopback, occupy, release } from "./helpers.ts";

const STATE = "expected-state-0123456789";
const CANARY = "CANARY-CODE-0.AXoA-do-not-log-7f3e9c";
const ipv6 = await hasIpv6Loopback();

const open: LoopbackListener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((listener) => listener.close()));
});

async function listen(
  firstPort: number,
  extra: Partial<Parameters<typeof startLoopbackListener>[0]> = {},
): Promise<LoopbackListener> {
  const listener = await startLoopbackListener({
    firstPort,
    lastPort: firstPort + 9,
    expectedState: STATE,
    ...extra,
  });
  open.push(listener);
  return listener;
}

function at(listener: LoopbackListener, query: Record<string, string>, path = "/"): string {
  return `http://127.0.0.1:${listener.port}${path}?${new URLSearchParams(query)}`;
}

async function rejection(promise: Promise<unknown>): Promise<ConsentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConsentError);
  return error as ConsentError;
}

describe("startLoopbackListener: ports", () => {
  it("takes the first free port of the cmdlet's range (8400–8999) and skips a taken one", async () => {
    const blocker = await occupy(8400); // undefined when something else already has it: taken either way
    try {
      const logger = captureLogger();
      const listener = await startLoopbackListener({ expectedState: STATE, logger });
      open.push(listener);
      expect(listener.port).toBeGreaterThan(8400);
      expect(listener.port).toBeLessThanOrEqual(8999);
      expect(listener.redirectUri).toBe(`http://localhost:${listener.port}/`);
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ level: "debug", fields: expect.objectContaining({ port: 8400 }) }),
      );
    } finally {
      await release(blocker);
    }
  });

  it("keeps the port it found: nothing else can bind it while waiting", async () => {
    const listener = await listen(18400);
    expect(listener.port).toBe(18400);
    expect(await occupy(18400)).toBeUndefined();
  });

  it("skips a port taken on 127.0.0.1 and logs it at debug level", async () => {
    const blocker = await occupy(18410);
    try {
      const logger = captureLogger();
      const listener = await listen(18410, { logger });
      expect(listener.port).toBe(18411);
      expect(listener.redirectUri).toBe("http://localhost:18411/");
      const taken = logger.entries.find((e) => e.fields.port === 18410);
      expect(taken).toMatchObject({ level: "debug", fields: { address: "127.0.0.1", reason: "EADDRINUSE" } });
    } finally {
      await release(blocker);
    }
  });

  it("fails with PORTS_EXHAUSTED when every port of the range is taken", async () => {
    const blockers = await Promise.all([18420, 18421, 18422].map((port) => occupy(port)));
    try {
      const error = await rejection(
        startLoopbackListener({ firstPort: 18420, lastPort: 18422, expectedState: STATE }),
      );
      expect(error.code).toBe("PORTS_EXHAUSTED");
      expect(error.message).toContain(
        "no free port between 18420 and 18422 for the sign-in redirect; free one",
      );
    } finally {
      await Promise.all(blockers.map(release));
    }
  });

  it("rejects a nonsensical range", async () => {
    const error = await rejection(
      startLoopbackListener({ firstPort: 9000, lastPort: 8999, expectedState: STATE }),
    );
    expect(error.code).toBe("INVALID_PORT_RANGE");
    expect(error.exitCode).toBe(2);
    await expect(startLoopbackListener({ firstPort: 18430, expectedState: "" })).rejects.toThrow(TypeError);
  });

  it.skipIf(!ipv6)("also answers on ::1, where a browser may resolve localhost", async () => {
    const listener = await listen(18440);
    const response = await fetch(`http://[::1]:${listener.port}/?code=${CANARY}&state=${STATE}`);
    expect(response.status).toBe(200);
    await expect(listener.result).resolves.toEqual({ code: CANARY });
  });

  it.skipIf(!ipv6)("skips a port that another process holds on ::1 (it could receive the code)", async () => {
    const blocker = await occupy(18450, "::1");
    try {
      const listener = await listen(18450);
      expect(listener.port).toBe(18451);
    } finally {
      await release(blocker);
    }
  });

  it.skipIf(ipv6)("works on 127.0.0.1 alone when the machine has no IPv6 loopback", async () => {
    const listener = await listen(18440);
    await fetch(at(listener, { code: CANARY, state: STATE }));
    await expect(listener.result).resolves.toEqual({ code: CANARY });
  });
});

describe("startLoopbackListener: the redirect", () => {
  it("resolves a GET ?code&state on any path and serves the success page", async () => {
    const listener = await listen(18460);
    const response = await fetch(
      at(listener, { code: CANARY, state: STATE, session_state: "s" }, "/any/path"),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("connection")).toBe("close");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    const html = await response.text();
    expect(html).toContain("<title>Authentication complete</title>");
    expect(html).toContain("You can close this tab and return to partnerd.");
    expect(html).not.toContain("<script");
    expect(html).not.toContain(CANARY);
    // The only inline style is the one the CSP allows by hash.
    const style = /<style>([^<]*)<\/style>/.exec(html)?.[1] ?? "";
    expect(csp).toContain(`'sha256-${createHash("sha256").update(style).digest("base64")}'`);
    await expect(listener.result).resolves.toEqual({ code: CANARY });
  });

  it("accepts response_mode=form_post (POST urlencoded)", async () => {
    const listener = await listen(18470, { appName: "partnerd login" });
    const response = await fetch(`http://127.0.0.1:${listener.port}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: new URLSearchParams({ code: CANARY, state: STATE, session_state: "abc" }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("return to partnerd login.");
    await expect(listener.result).resolves.toEqual({ code: CANARY });
  });

  it("refuses a wrong state (possible CSRF) with a failure page and STATE_MISMATCH", async () => {
    const listener = await listen(18480);
    const response = await fetch(at(listener, { code: CANARY, state: "forged" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("<title>Authentication failed</title>");
    expect(html).toContain("forged");
    const error = await rejection(listener.result);
    expect(error.code).toBe("STATE_MISMATCH");
    expect(error.message).toContain("CSRF");
  });

  it("refuses a redirect without state, even one carrying an error", async () => {
    const listener = await listen(18480);
    await fetch(at(listener, { error: "access_denied", error_description: "AADSTS65004: declined" }));
    expect((await rejection(listener.result)).code).toBe("STATE_MISMATCH");
  });

  it("reports error=access_denied as CONSENT_DENIED and shows the description HTML-escaped", async () => {
    const listener = await listen(18490);
    const description =
      'AADSTS65004: User declined to consent. <script>alert("x")</script>\r\nTrace ID: 1234';
    const response = await fetch(
      at(listener, { error: "access_denied", error_description: description, state: STATE }),
    );
    const html = await response.text();
    expect(html).toContain("<title>Authentication failed</title>");
    expect(html).toContain("access_denied");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    const error = await rejection(listener.result);
    expect(error.code).toBe("CONSENT_DENIED");
    expect(error.oauthError).toBe("access_denied");
    expect(error.errorDescription).toBe(description);
    expect(error.message).toContain("AADSTS65004: User declined to consent.");
    expect(error.message).not.toMatch(/[\r\n]/); // control characters never reach the terminal
  });

  it("reports other OAuth errors as AUTHORIZATION_FAILED", async () => {
    const listener = await listen(18500);
    await fetch(
      at(listener, {
        error: "invalid_request",
        error_description: "AADSTS50011: The redirect URI does not match",
        state: STATE,
      }),
    );
    const error = await rejection(listener.result);
    expect(error.code).toBe("AUTHORIZATION_FAILED");
    expect(error.message).toContain("invalid_request");
    expect(error.message).toContain("AADSTS50011");
  });

  it("fails with MISSING_CODE when the right state comes without code or error", async () => {
    const listener = await listen(18510);
    const response = await fetch(at(listener, { state: STATE }));
    expect(response.status).toBe(400);
    expect((await rejection(listener.result)).code).toBe("MISSING_CODE");
  });

  it("ignores /favicon.ico, stray visits, other methods and other bodies, and keeps waiting", async () => {
    const listener = await listen(18520);
    let settled = false;
    void listener.result.then(
      () => (settled = true),
      () => (settled = true),
    );
    const base = `http://127.0.0.1:${listener.port}`;
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(400);
    const head = await fetch(`${base}/?code=x&state=${STATE}`, { method: "HEAD" });
    expect(head.status).toBe(405);
    expect(head.headers.get("allow")).toBe("GET, POST");
    expect((await fetch(`${base}/`, { method: "PUT", body: "x" })).status).toBe(405);
    const json = await fetch(`${base}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "x", state: STATE }),
    });
    expect(json.status).toBe(415);
    const huge = await fetch(`${base}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `code=${"x".repeat(300 * 1024)}&state=${STATE}`,
    }).catch(() => undefined);
    if (huge) expect(huge.status).toBe(413);

    // The listener settles `result` before it answers the request that decided it, and every answer above
    // has been received: had one of them ended the wait, `result` would be settled by now.
    expect(settled).toBe(false);
    await fetch(`${base}/?code=${CANARY}&state=${STATE}`);
    await expect(listener.result).resolves.toEqual({ code: CANARY });
  });

  it("takes one result only, then stops listening", async () => {
    const listener = await listen(18530);
    await fetch(at(listener, { code: CANARY, state: STATE }));
    await listener.result;
    await listener.close();
    expect(await canConnect(listener.port)).toBe(false);
    if (ipv6) expect(await canConnect(listener.port, "::1")).toBe(false);
  });
});

describe("startLoopbackListener: ending without a redirect", () => {
  it("times out with TIMEOUT and frees the port", async () => {
    const listener = await listen(18540, { timeoutMs: 150 });
    const error = await rejection(listener.result);
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toContain(`http://localhost:${listener.port}/`);
    await listener.close();
    expect(await canConnect(listener.port)).toBe(false);
  });

  it("rejects with CANCELLED when the signal aborts (Ctrl-C)", async () => {
    const controller = new AbortController();
    const listener = await listen(18550, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(listener.result)).code).toBe("CANCELLED");
    await listener.close();
    expect(await canConnect(listener.port)).toBe(false);
  });

  it("refuses to start with an already aborted signal", async () => {
    const error = await rejection(
      startLoopbackListener({ firstPort: 18560, expectedState: STATE, signal: AbortSignal.abort() }),
    );
    expect(error.code).toBe("CANCELLED");
    expect(await canConnect(18560)).toBe(false);
  });

  it("close() before the redirect rejects result with CANCELLED and is idempotent", async () => {
    const listener = await listen(18570);
    await Promise.all([listener.close(), listener.close()]);
    await listener.close();
    expect((await rejection(listener.result)).code).toBe("CANCELLED");
    expect(await canConnect(listener.port)).toBe(false);
  });
});

describe("the authorization code stays out of logs and messages", () => {
  it("for success, state mismatch and denial alike", async () => {
    const logger = captureLogger();
    const seen: string[] = [];

    const ok = await listen(18580, { logger });
    await fetch(at(ok, { code: CANARY, state: STATE }));
    expect((await ok.result).code).toBe(CANARY);

    const forged = await listen(18590, { logger });
    await fetch(at(forged, { code: CANARY, state: "nope" }));
    const mismatch = await rejection(forged.result);
    seen.push(mismatch.message, String(mismatch.stack), JSON.stringify(mismatch));

    const denied = await listen(18600, { logger });
    await fetch(
      `http://127.0.0.1:${denied.port}/`.concat(
        `?code=${CANARY}&state=${STATE}&error=access_denied&error_description=declined`,
      ),
    );
    const denial = await rejection(denied.result);
    seen.push(denial.message, String(denial.stack), JSON.stringify(denial));

    const timedOut = await listen(18610, { logger, timeoutMs: 50 });
    seen.push((await rejection(timedOut.result)).message);

    await Promise.all([ok, forged, denied, timedOut].map((l) => l.close()));
    expect(logger.entries.length).toBeGreaterThan(4);
    seen.push(...logger.entries.map((entry) => JSON.stringify(entry)));
    for (const text of seen) expect(text).not.toContain(CANARY);
    expect(logger.entries.filter((e) => e.level !== "debug")).toEqual([]);
  });
});

describe("state", () => {
  it("generates 128-bit base64url states and compares them exactly", () => {
    const a = generateState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(generateState()).not.toBe(a);
    expect(stateMatches(a, a)).toBe(true);
    expect(stateMatches(`${a}x`, a)).toBe(false);
    expect(stateMatches("", a)).toBe(false);
    expect(stateMatches(a.toUpperCase() === a ? `${a}!` : a.toUpperCase(), a)).toBe(false);
  });
});
