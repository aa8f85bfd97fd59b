import { describe, expect, it } from "vitest";
import { resolveAuthority } from "../../src/identity/clouds.ts";
import { parseRetryAfter } from "../../src/identity/network-client.ts";

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("5")).toBe(5000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 05:00:10 GMT", Date.parse("2026-11-22T05:00:00Z"))).toBe(10_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("resolveAuthority", () => {
  it("maps each cloud to its authority host with the tenant", () => {
    expect(resolveAuthority({ environment: "AzureCloud", tenant: "organizations" })).toEqual({
      authority: "https://login.microsoftonline.com/organizations",
      knownAuthorities: [],
    });
    expect(resolveAuthority({ environment: "AzureChinaCloud", tenant: "t" }).authority).toBe(
      "https://login.partner.microsoftonline.cn/t",
    );
    expect(resolveAuthority({ environment: "AzureUSGovernment", tenant: "t" }).authority).toBe(
      "https://login.microsoftonline.us/t",
    );
  });

  it("reaches AzurePPE through knownAuthorities, which the cmdlet could not", () => {
    expect(resolveAuthority({ environment: "AzurePPE", tenant: "t" })).toEqual({
      authority: "https://login.windows-ppe.net/t",
      knownAuthorities: ["login.windows-ppe.net"],
    });
  });

  it("uses a generic OIDC provider's issuer as the authority, without a tenant", () => {
    expect(
      resolveAuthority({
        environment: "AzureCloud",
        authority: "https://id.example.com/realms/x/",
        protocol: "oidc",
        tenant: "organizations",
      }),
    ).toEqual({ authority: "https://id.example.com/realms/x", knownAuthorities: ["id.example.com"] });
  });

  it("trusts a custom authority host (with its port) without instance discovery", () => {
    expect(
      resolveAuthority({
        environment: "AzureCloud",
        authority: "https://127.0.0.1:8443/",
        tenant: "contoso.com",
      }),
    ).toEqual({ authority: "https://127.0.0.1:8443/contoso.com", knownAuthorities: ["127.0.0.1:8443"] });
  });
});
