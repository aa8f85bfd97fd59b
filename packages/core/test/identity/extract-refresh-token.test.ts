import { describe, expect, it } from "vitest";
import { extractRefreshToken } from "../../src/identity/extract-refresh-token.ts";

const account = { homeAccountId: "uid.utid", environment: "login.windows.net" };
const entry = (over: Record<string, string>) => ({
  home_account_id: "uid.utid",
  environment: "login.windows.net",
  credential_type: "RefreshToken",
  client_id: "app",
  secret: "RT-1",
  ...over,
});

describe("extractRefreshToken", () => {
  it("matches by account, cloud and client, not by key", () => {
    const cache = JSON.stringify({
      RefreshToken: {
        a: entry({ client_id: "other-app", secret: "RT-other" }),
        b: entry({}),
        c: entry({ home_account_id: "someone.else", secret: "RT-else" }),
      },
    });
    expect(extractRefreshToken(cache, account, "app")).toBe("RT-1");
  });

  it("returns undefined when the cache has none and refuses an ambiguous cache", () => {
    expect(extractRefreshToken(JSON.stringify({}), account, "app")).toBeUndefined();
    const twice = JSON.stringify({ RefreshToken: { a: entry({}), b: entry({ secret: "RT-2" }) } });
    expect(() => extractRefreshToken(twice, account, "app")).toThrow(/2 refresh tokens/);
  });
});
