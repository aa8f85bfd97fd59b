import { describe, expect, it } from "vitest";
import { AccessTokenError, describeAccessToken } from "../../src/identity/access-token.ts";

const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
const now = new Date("2026-11-22T05:00:00Z");
const inAnHour = Math.floor(now.getTime() / 1000) + 3600;

describe("describeAccessToken (the cmdlet's AccessToken set)", () => {
  it("reports tenant, scopes, expiry and user without a network call", () => {
    const info = describeAccessToken(
      jwt({ tid: "t1", scp: "user_impersonation Mail.Read", exp: inAnHour, upn: "a@contoso.com", oid: "o1" }),
      now,
    );
    expect(info).toEqual({
      tenantId: "t1",
      scopes: ["user_impersonation", "Mail.Read"],
      expiresOn: new Date(inAnHour * 1000),
      username: "a@contoso.com",
      objectId: "o1",
      audience: undefined,
    });
  });

  it("reads app roles for app-only tokens", () => {
    expect(describeAccessToken(jwt({ tid: "t", roles: ["A.Read"], exp: inAnHour }), now).scopes).toEqual([
      "A.Read",
    ]);
  });

  it.each([
    ["not a JWT", "abc", /not a JWT/],
    ["a payload that is not JSON", "a.b.c", /payload that is not base64url-encoded JSON/],
    ["no exp", jwt({ tid: "t" }), /no exp/],
    ["no tid", jwt({ exp: inAnHour }), /no tid/],
  ])("rejects %s", (_name, token, message) => {
    expect(() => describeAccessToken(token, now)).toThrow(message);
  });

  it("rejects an expired token with the cmdlet's advice and without quoting the token", () => {
    const token = jwt({ tid: "t", exp: inAnHour - 7200, canary: "AT-CANARY" });
    const error = (() => {
      try {
        describeAccessToken(token, now);
      } catch (e) {
        return e as AccessTokenError;
      }
    })();
    expect(error).toBeInstanceOf(AccessTokenError);
    expect(error?.message).toBe(
      "the access token expired at 2026-11-22T04:00:00.000Z; generate a new one and try again",
    );
    expect(error?.exitCode).toBe(2);
  });
});
