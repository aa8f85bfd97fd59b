import { AuthError, ServerError } from "@azure/msal-node";
import { describe, expect, it } from "vitest";
import { classifyRedeemError } from "../../src/identity/classify-error.ts";

const entraMessage = (code: number, text: string) =>
  `Error(s): ${code} - Timestamp: 2026-11-22 05:00:00Z - Description: AADSTS${code}: ${text} Trace ID: 1 Correlation ID: 2 Timestamp: 3 - Correlation ID: 2 - Trace ID: 1`;

describe("classifyRedeemError", () => {
  it.each([
    [700082, "The refresh token has expired due to inactivity."],
    [70008, "The provided authorization code or refresh token has expired due to inactivity."],
    [50173, "The provided grant has expired due to it being revoked."],
    [70043, "The refresh token has expired or is invalid due to sign-in frequency checks."],
  ])("AADSTS%i is terminal and needs consent, with a login hint", (code, text) => {
    const error = classifyRedeemError(
      new ServerError("invalid_grant", "c", entraMessage(code, text), "", String(code), 400),
      {
        profile: "pc",
      },
    );
    expect(error.kind).toBe("terminal");
    expect(error.code).toBe("NEEDS_CONSENT");
    expect(error.aadsts).toBe(code);
    expect(error.hint).toContain("partnerd login pc");
    expect(error.message).toContain(`AADSTS${code}`);
    expect(error.message).not.toContain("Trace ID");
  });

  it("an invalid client secret is terminal but not a consent problem", () => {
    const error = classifyRedeemError(
      new ServerError(
        "invalid_client",
        "c",
        entraMessage(7000215, "Invalid client secret provided."),
        "",
        "7000215",
        401,
      ),
      { profile: "pc" },
    );
    expect(error).toMatchObject({
      kind: "terminal",
      code: "REFRESH_TERMINAL",
      aadsts: 7000215,
      hint: undefined,
    });
  });

  it.each([429, 500, 503])("HTTP %i is transient and keeps Retry-After", (status) => {
    const error = classifyRedeemError(
      new ServerError("temporarily_unavailable", "c", "busy", "", undefined, status),
      {
        profile: "pc",
        retryAfterMs: 7000,
      },
    );
    expect(error).toMatchObject({ kind: "transient", retryAfterMs: 7000 });
  });

  it("documented transient AADSTS codes are retried even on HTTP 400", () => {
    const error = classifyRedeemError(
      new ServerError(
        "invalid_grant",
        "c",
        entraMessage(90033, "A transient error has occurred."),
        "",
        "90033",
        400,
      ),
      { profile: "pc" },
    );
    expect(error.kind).toBe("transient");
  });

  it("msal's local throttle error (no status, AADSTS number as errorCode) is transient", () => {
    expect(classifyRedeemError(new ServerError("50196", "c", "throttled"), { profile: "pc" }).kind).toBe(
      "transient",
    );
  });

  it("network failures are transient", () => {
    const error = classifyRedeemError(
      new AuthError("network_error", "c", "POST https://x/token failed: ECONNREFUSED"),
      {
        profile: "pc",
      },
    );
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("ECONNREFUSED");
  });
});
