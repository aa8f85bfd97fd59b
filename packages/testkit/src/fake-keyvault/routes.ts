import type { Reply } from "../fake-entra/http.ts";
import { json } from "../fake-entra/http.ts";
import { deletedSecretBundle, secretBundle, secretItem } from "./bundles.ts";
import { kvErrors } from "./errors.ts";
import type { VaultState, VersionInput } from "./state.ts";
import type { KeyVaultOperation } from "./types.ts";

/** Key Vault secret names: 1–127 letters, digits and dashes. */
export const SECRET_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;
/** Key Vault's limits: 25 KiB per value, 15 tags, 256 characters per tag value. */
const MAX_VALUE_BYTES = 25 * 1024;
const MAX_TAGS = 15;
const MAX_TAG_VALUE_LENGTH = 256;

/** What a route handler gets once the caller is authenticated and allowed. */
export interface RouteContext {
  state: VaultState;
  params: Record<string, string>;
  /** The raw request body (utf-8). */
  body: string;
  /** `https://127.0.0.1:PORT` */
  baseUrl: string;
}

export interface Route {
  method: "GET" | "PUT" | "PATCH" | "DELETE" | "POST";
  pattern: RegExp;
  /** The access-policy permission the operation needs (what `deny` withholds). */
  operation: KeyVaultOperation;
  handler: (ctx: RouteContext) => Reply;
}

const NAME = "(?<name>[^/]+)";

/** The data-plane operations on secrets (api-version 7.x / 2025+), in match order. */
export const ROUTES: readonly Route[] = [
  { method: "GET", pattern: /^\/secrets\/?$/, operation: "list", handler: listSecrets },
  { method: "PUT", pattern: new RegExp(`^/secrets/${NAME}/?$`), operation: "set", handler: setSecret },
  {
    method: "DELETE",
    pattern: new RegExp(`^/secrets/${NAME}/?$`),
    operation: "delete",
    handler: deleteSecret,
  },
  {
    method: "GET",
    pattern: new RegExp(`^/secrets/${NAME}/versions/?$`),
    operation: "list",
    handler: listVersions,
  },
  {
    method: "GET",
    pattern: new RegExp(`^/secrets/${NAME}(?:/(?<version>[^/]*))?$`),
    operation: "get",
    handler: getSecret,
  },
  {
    method: "PATCH",
    pattern: new RegExp(`^/secrets/${NAME}(?:/(?<version>[^/]*))?$`),
    operation: "set",
    handler: updateSecret,
  },
  {
    method: "GET",
    pattern: new RegExp(`^/deletedsecrets/${NAME}/?$`),
    operation: "get",
    handler: getDeletedSecret,
  },
  {
    method: "DELETE",
    pattern: new RegExp(`^/deletedsecrets/${NAME}/?$`),
    operation: "purge",
    handler: purgeDeletedSecret,
  },
  {
    method: "POST",
    pattern: new RegExp(`^/deletedsecrets/${NAME}/recover/?$`),
    operation: "recover",
    handler: recoverDeletedSecret,
  },
];

export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "none" };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(m.groups ?? {})) {
      if (value !== undefined) params[key] = decodeURIComponent(value);
    }
    return { kind: "found", route, params };
  }
  return allowed.length > 0 ? { kind: "wrong-method", allowed } : { kind: "none" };
}

// --- Handlers ---

function setSecret({ state, params, body, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  if (!SECRET_NAME_PATTERN.test(name)) return invalidName(name);
  const parsed = parseBody(body);
  if (typeof parsed === "string") return kvErrors.badParameter(parsed);
  if (typeof parsed.value !== "string") return kvErrors.badParameter("Property 'value' is required.");
  if (Buffer.byteLength(parsed.value, "utf8") > MAX_VALUE_BYTES) {
    return kvErrors.badParameter("The secret value exceeds the maximum allowed size of 25 KB.");
  }
  const props = parseProperties(parsed);
  if (typeof props === "string") return kvErrors.badParameter(props);
  const existing = state.record(name);
  if (existing?.deleted) return kvErrors.deletedButRecoverable(name);
  if (existing?.recovering) return kvErrors.beingRecovered(name);
  const version = state.addVersion(name, { ...props, value: parsed.value });
  const record = state.record(name);
  if (!record) throw new Error("unreachable: record just written");
  return json(200, secretBundle(baseUrl, record, version));
}

function getSecret({ state, params, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  const wanted = params.version ?? "";
  const record = state.live(name);
  if (!record) return kvErrors.secretNotFound(name);
  const version =
    wanted === "" ? record.versions.at(-1) : record.versions.find((v) => v.version === wanted.toLowerCase());
  if (!version) return kvErrors.secretNotFound(`${name}/${wanted}`);
  if (!version.enabled) return kvErrors.disabled();
  return json(200, secretBundle(baseUrl, record, version));
}

function listVersions({ state, params, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  const record = state.live(name);
  if (!record) return kvErrors.secretNotFound(name);
  return json(200, { value: record.versions.map((v) => secretItem(baseUrl, record, v)), nextLink: null });
}

function listSecrets({ state, baseUrl }: RouteContext): Reply {
  const items = state.liveRecords().flatMap((record) => {
    const newest = record.versions.at(-1);
    return newest ? [secretItem(baseUrl, record, newest, false)] : [];
  });
  return json(200, { value: items, nextLink: null });
}

function updateSecret({ state, params, body, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  const wanted = params.version ?? "";
  const record = state.live(name);
  if (!record) return kvErrors.secretNotFound(name);
  const version =
    wanted === "" ? record.versions.at(-1) : record.versions.find((v) => v.version === wanted.toLowerCase());
  if (!version) return kvErrors.secretNotFound(`${name}/${wanted}`);
  const parsed = parseBody(body);
  if (typeof parsed === "string") return kvErrors.badParameter(parsed);
  const props = parseProperties(parsed);
  if (typeof props === "string") return kvErrors.badParameter(props);
  if (props.contentType !== undefined) version.contentType = props.contentType;
  if (props.tags !== undefined) version.tags = { ...props.tags };
  if (props.enabled !== undefined) version.enabled = props.enabled;
  if (props.notBefore !== undefined) version.notBefore = props.notBefore;
  if (props.expires !== undefined) version.expires = props.expires;
  version.updated = new Date();
  return json(200, secretBundle(baseUrl, record, version, false));
}

function deleteSecret({ state, params, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  const record = state.softDelete(name);
  if (!record) return kvErrors.secretNotFound(name);
  return json(200, deletedSecretBundle(baseUrl, record));
}

function getDeletedSecret({ state, params, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  const record = state.record(name);
  if (!record?.deleted) return kvErrors.deletedSecretNotFound(name);
  return json(200, deletedSecretBundle(baseUrl, record));
}

function recoverDeletedSecret({ state, params, baseUrl }: RouteContext): Reply {
  const name = params.name ?? "";
  const record = state.recover(name);
  const newest = record?.versions.at(-1);
  if (!record || !newest) return kvErrors.deletedSecretNotFound(name);
  return json(200, secretBundle(baseUrl, record, newest, false));
}

function purgeDeletedSecret({ state, params }: RouteContext): Reply {
  const name = params.name ?? "";
  if (!state.purge(name)) return kvErrors.deletedSecretNotFound(name);
  return { status: 204, body: undefined };
}

// --- Internal helpers ---

function invalidName(name: string): Reply {
  return kvErrors.badParameter(
    `The request URI contains an invalid name: ${name}. Secret names may only contain alphanumeric characters and dashes, 1 to 127 characters.`,
  );
}

function parseBody(body: string): Record<string, unknown> | string {
  if (body.trim() === "") return "The request body is missing.";
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return "The request body is not valid JSON.";
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return "The request body is not an object.";
  return data as Record<string, unknown>;
}

/** contentType, tags and attributes (unix seconds) of a PUT/PATCH body, or what is wrong with them. */
function parseProperties(body: Record<string, unknown>): Omit<VersionInput, "value"> | string {
  const out: Omit<VersionInput, "value"> = {};
  if (body.contentType !== undefined && body.contentType !== null) {
    if (typeof body.contentType !== "string") return "Property 'contentType' must be a string.";
    out.contentType = body.contentType;
  }
  if (body.tags !== undefined && body.tags !== null) {
    if (typeof body.tags !== "object" || Array.isArray(body.tags))
      return "Property 'tags' must be an object.";
    const tags = body.tags as Record<string, unknown>;
    if (Object.keys(tags).length > MAX_TAGS) return `The number of tags exceeds the maximum of ${MAX_TAGS}.`;
    const clean: Record<string, string> = {};
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== "string") return `Tag '${key}' must have a string value.`;
      if (value.length > MAX_TAG_VALUE_LENGTH) {
        return `Tag '${key}' exceeds the maximum value length of ${MAX_TAG_VALUE_LENGTH}.`;
      }
      clean[key] = value;
    }
    out.tags = clean;
  }
  const attributes = body.attributes;
  if (attributes !== undefined && attributes !== null) {
    if (typeof attributes !== "object" || Array.isArray(attributes)) {
      return "Property 'attributes' must be an object.";
    }
    const a = attributes as Record<string, unknown>;
    if (a.enabled !== undefined && a.enabled !== null) {
      if (typeof a.enabled !== "boolean") return "Attribute 'enabled' must be a boolean.";
      out.enabled = a.enabled;
    }
    for (const [key, field] of [
      ["nbf", "notBefore"],
      ["exp", "expires"],
    ] as const) {
      const value = a[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return `Attribute '${key}' must be a number of unix seconds.`;
      }
      out[field] = new Date(value * 1000);
    }
  }
  return out;
}
