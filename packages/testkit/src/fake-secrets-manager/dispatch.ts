import type { IncomingHttpHeaders } from "node:http";
import { HoldGates } from "../loopback/hold-gates.ts";
import { AwsError, awsErrors, injectedError } from "./errors.ts";
import { OPERATIONS, type OperationInput } from "./operations.ts";
import { DROP, type WireReply, type WireRequest } from "./server.ts";
import type { SecretsManagerState } from "./state.ts";
import type {
  SecretsManagerDropOptions,
  SecretsManagerFailNextOptions,
  SecretsManagerHeldRequest,
  SecretsManagerHoldOptions,
  SecretsManagerRequestRecord,
} from "./types.ts";

const TARGET_PREFIX = "secretsmanager.";

/** A {@link Switches.hold} gate waiting for its request. */
/** The fault switches: injected errors, dropped responses, holds, latency. */
export class Switches {
  latencyMs = 0;
  readonly #failures: SecretsManagerFailNextOptions[] = [];
  readonly #drops: SecretsManagerDropOptions[] = [];
  /** Aborts of the requests parked at a gate right now. */
  readonly #holds = new HoldGates();

  failNext(count: number, opts: SecretsManagerFailNextOptions): void {
    checkCount("failNext", count);
    for (let i = 0; i < count; i++) this.#failures.push({ ...opts });
  }

  dropResponseNext(count: number, opts: SecretsManagerDropOptions): void {
    checkCount("dropResponseNext", count);
    for (let i = 0; i < count; i++) this.#drops.push({ ...opts });
  }

  /** The first queued failure that applies to `operation`, removed from the queue. */
  takeFailure(operation: string): SecretsManagerFailNextOptions | undefined {
    return take(this.#failures, operation);
  }

  takeDrop(operation: string): boolean {
    return take(this.#drops, operation) !== undefined;
  }

  hold(opts: SecretsManagerHoldOptions): SecretsManagerHeldRequest {
    return this.#holds.hold(opts.operation);
  }

  /** Parks the caller at the first hold for `operation`, if any; `false` when the fake closes meanwhile. */
  passGate(operation: string): Promise<boolean> {
    return this.#holds.pass(operation);
  }

  /** Forgets queued switches and aborts parked requests (used by close()). */
  clear(): void {
    this.#failures.length = 0;
    this.#drops.length = 0;
    this.#holds.abortAll();
  }
}

/**
 * Turns one HTTP request into a reply: waits at a hold gate, checks the awsJson1_1 envelope and SigV4
 * presence, applies the switches, runs the operation and logs the request (without values) in `requests`.
 */
export function createDispatcher(
  state: SecretsManagerState,
  switches: Switches,
  requests: SecretsManagerRequestRecord[],
): (request: WireRequest) => Promise<WireReply> {
  return async (request) => {
    const target = header(request.headers, "x-amz-target") ?? "";
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    if (!(await switches.passGate(operation))) return DROP; // the fake closed while it was parked
    const credential = parseCredentialScope(header(request.headers, "authorization"));
    const input = parseInput(request.body);
    const record: SecretsManagerRequestRecord = {
      operation,
      secretId: stringField(input, "SecretId") ?? stringField(input, "Name"),
      clientRequestToken: stringField(input, "ClientRequestToken"),
      status: 0,
      accessKeyId: credential?.accessKeyId,
      region: credential?.region,
      attempt: parseAttempt(header(request.headers, "amz-sdk-request")),
      receivedAt: new Date(request.receivedAt),
      at: new Date(state.now()),
    };
    requests.push(record);

    let reply: { status: number; body: unknown };
    try {
      if (request.method !== "POST" || request.path !== "/") throw awsErrors.unknownOperation();
      if (!credential) throw awsErrors.missingAuthentication();
      if (input === undefined) throw awsErrors.serialization();
      const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
      if (!handler) throw awsErrors.unknownOperation();
      const failure = switches.takeFailure(operation);
      if (failure) throw injectedError(failure.type, operation, record.secretId, state.accountId);
      reply = { status: 200, body: handler(state, input) };
    } catch (error) {
      const aws = error instanceof AwsError ? error : awsErrors.internal();
      reply = { status: aws.status, body: { __type: aws.type, message: aws.message } };
      record.errorType = aws.type;
    }
    if (switches.takeDrop(operation)) return DROP; // processed, but the caller never hears back
    record.status = reply.status;
    return reply;
  };
}

// --- Internal helpers ---

function take<T extends { operation?: string | undefined }>(queue: T[], operation: string): T | undefined {
  const index = queue.findIndex((entry) => entry.operation === undefined || entry.operation === operation);
  if (index < 0) return undefined;
  return queue.splice(index, 1)[0];
}

function checkCount(method: string, count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`FakeSecretsManager.${method}: count must be an integer ≥ 0`);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseInput(body: string): OperationInput | undefined {
  try {
    const parsed: unknown = JSON.parse(body === "" ? "{}" : body);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as OperationInput)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(input: OperationInput | undefined, key: string): string | undefined {
  const value = input?.[key];
  return typeof value === "string" ? value : undefined;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/secretsmanager/aws4_request, …` (signature unchecked). */
function parseCredentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string } | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/secretsmanager\/aws4_request/.exec(
    authorization ?? "",
  );
  return match ? { accessKeyId: match[1]!, region: match[2]! } : undefined;
}

function parseAttempt(value: string | undefined): number | undefined {
  const match = /attempt=(\d+)/.exec(value ?? "");
  return match ? Number(match[1]) : undefined;
}
