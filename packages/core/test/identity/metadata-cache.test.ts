import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpTransport, type HttpTransport } from "../../src/identity/network-client.ts";

/** A loopback server answering every request with JSON, counting requests per method and path. */
const hits = new Map<string, number>();
let failDiscovery = false;
const server = createServer((request, response) => {
  const key = `${request.method} ${request.url}`;
  hits.set(key, (hits.get(key) ?? 0) + 1);
  const failing = failDiscovery && request.url?.includes("openid-configuration");
  response.writeHead(failing ? 503 : 200, { "content-type": "application/json" });
  response.end(JSON.stringify({ issuer: "https://issuer.example", path: request.url }));
});
let base: string;
let transport: HttpTransport;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  transport = createHttpTransport({ timeoutMs: 5000 });
});
afterAll(async () => {
  await transport.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("authority metadata", () => {
  it("is fetched once per authority and shared by every client of the transport", async () => {
    const url = `${base}/tenant-a/v2.0/.well-known/openid-configuration`;
    const first = await transport.client().sendGetRequestAsync(url);
    const second = await transport.client().sendGetRequestAsync(url);
    expect(second).toEqual(first);
    expect((second.body as { path: string }).path).toBe("/tenant-a/v2.0/.well-known/openid-configuration");
    expect(hits.get("GET /tenant-a/v2.0/.well-known/openid-configuration")).toBe(1);
    // Each authority has its own entry; a caller changing its copy changes nothing cached.
    (second.body as { issuer: string }).issuer = "changed";
    const third = await transport.client().sendGetRequestAsync(url);
    expect((third.body as { issuer: string }).issuer).toBe("https://issuer.example");
    await transport.client().sendGetRequestAsync(`${base}/tenant-b/v2.0/.well-known/openid-configuration`);
    expect(hits.get("GET /tenant-b/v2.0/.well-known/openid-configuration")).toBe(1);
  });

  it("is not cached when it fails, and nothing else is cached", async () => {
    failDiscovery = true;
    const url = `${base}/tenant-c/v2.0/.well-known/openid-configuration`;
    expect((await transport.client().sendGetRequestAsync(url)).status).toBe(503);
    failDiscovery = false;
    expect((await transport.client().sendGetRequestAsync(url)).status).toBe(200);
    expect(hits.get("GET /tenant-c/v2.0/.well-known/openid-configuration")).toBe(2);
    for (let i = 0; i < 2; i++) {
      await transport.client().sendGetRequestAsync(`${base}/other`);
      await transport.client().sendPostRequestAsync(`${base}/tenant-a/oauth2/v2.0/token`, { body: "x" });
    }
    expect(hits.get("GET /other")).toBe(2);
    expect(hits.get("POST /tenant-a/oauth2/v2.0/token")).toBe(2);
  });
});
