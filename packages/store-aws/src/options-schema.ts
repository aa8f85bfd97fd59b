import { OPTION_SECRET_JSON_SCHEMA } from "@partnerd/core";

/** The store's `options:` as JSON Schema, for editor completion in partnerd.yaml (checked for real by `parseOptions`). */
const credentialReference = OPTION_SECRET_JSON_SCHEMA;

export const awsOptionsSchema = {
  type: "object",
  description: "AWS Secrets Manager store options (see @partnerd/store-aws's README).",
  properties: {
    region: { type: "string", description: "e.g. eu-west-1; default: AWS_REGION, then ~/.aws/config." },
    endpoint: {
      type: "string",
      pattern: "^https?://",
      description: "Secrets Manager endpoint URL, e.g. a VPC endpoint.",
    },
    profile: {
      type: "string",
      description: "Profile in ~/.aws/config and ~/.aws/credentials; not with credentials.",
    },
    credentials: {
      type: "object",
      description: "Static credentials by reference; not with profile. Default: the SDK's credential chain.",
      properties: {
        accessKeyId: credentialReference,
        secretAccessKey: credentialReference,
        sessionToken: credentialReference,
      },
      required: ["accessKeyId", "secretAccessKey"],
      additionalProperties: false,
    },
    prefix: { type: "string", default: "", description: "Prepended to every secret name, e.g. partnerd/." },
    kmsKeyId: { type: "string", description: "KMS key (id, ARN or alias) for secrets partnerd creates." },
    tags: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Extra tags for secrets partnerd creates or takes over.",
    },
    maxAttempts: { type: "integer", minimum: 1, maximum: 10, default: 3 },
  },
  additionalProperties: false,
};
