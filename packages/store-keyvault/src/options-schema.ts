import { OPTION_SECRET_JSON_SCHEMA } from "@partnerd/core";

/** The store's `options:` as JSON Schema, for editor completion in partnerd.yaml (checked for real by `parseOptions`). */
const secretReference = OPTION_SECRET_JSON_SCHEMA;
const tenantId = { type: "string", description: "Directory (tenant) id of the app registration." };
const authorityHost = {
  type: "string",
  description: "Entra ID host; derived from the vault's cloud when omitted.",
};

export const keyVaultOptionsSchema = {
  type: "object",
  description: "Azure Key Vault store options (see @partnerd/store-keyvault's README).",
  properties: {
    vaultUrl: {
      type: "string",
      pattern: "^https://",
      description: "https://<vault>.vault.azure.net, or a sovereign-cloud vault host. Scheme and host only.",
    },
    credential: {
      description:
        "How to sign in; default { type: default } (DefaultAzureCredential: managed identity, ...).",
      oneOf: [
        {
          type: "object",
          properties: { type: { const: "default" } },
          required: ["type"],
          additionalProperties: false,
        },
        {
          type: "object",
          properties: {
            type: { const: "client-secret" },
            tenantId,
            clientId: { type: "string" },
            clientSecret: secretReference,
            authorityHost,
          },
          required: ["type", "tenantId", "clientId", "clientSecret"],
          additionalProperties: false,
        },
        {
          type: "object",
          properties: {
            type: { const: "certificate" },
            tenantId,
            clientId: { type: "string" },
            certificatePath: { type: "string", description: "PEM with the private key and the certificate." },
            authorityHost,
          },
          required: ["type", "tenantId", "clientId", "certificatePath"],
          additionalProperties: false,
        },
        {
          type: "object",
          properties: {
            type: { const: "managed-identity" },
            clientId: { type: "string", description: "A user-assigned identity's client id." },
          },
          required: ["type"],
          additionalProperties: false,
        },
      ],
    },
    caFile: { type: "string", description: "PEM file with an extra CA to trust for the vault and Entra ID." },
    verifyChallengeResource: {
      type: "boolean",
      default: true,
      description: "Check that the vault's sign-in challenge names a resource of the vault host.",
    },
    retry: {
      type: "object",
      properties: {
        maxRetries: { type: "integer", minimum: 0, maximum: 20, default: 3 },
        retryDelayInMs: { type: "integer", minimum: 0, maximum: 3600000, default: 1000 },
        maxRetryDelayInMs: { type: "integer", minimum: 0, maximum: 3600000, default: 64000 },
      },
      additionalProperties: false,
    },
    contentType: { type: "string", default: "application/vnd.partnerd.refresh-token" },
    recovery: {
      type: "object",
      description: "How long a write waits for a soft-deleted name to come back.",
      properties: {
        timeoutSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600, default: 60 },
        pollIntervalMs: { type: "number", exclusiveMinimum: 0, maximum: 60000, default: 1000 },
      },
      additionalProperties: false,
    },
  },
  required: ["vaultUrl"],
  additionalProperties: false,
};
