import type { FailureKind } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import { redactKnownSecrets } from "../redaction.ts";
import type { Secret } from "../secret.ts";

export interface StoredLocation {
  store: string;
  name: string;
  version: string;
}

export interface RefreshedEvent {
  profile: string;
  at: Date;
  previousFingerprint: string;
  fingerprint: string;
  /** False when the provider kept the same refresh token. */
  rotated: boolean;
  accessTokenExpiresAt: Date;
  /** When the stored refresh token dies if it is never redeemed again. */
  expiresByInactivityAt: Date;
  locations: StoredLocation[];
  /** True when this token came from the journal after a crash or a store outage. */
  replayed: boolean;
  /** The access token the redemption returned; absent after a journal replay. For hooks that ask for it. */
  accessToken?: Secret;
}

export interface FailedEvent {
  profile: string;
  at: Date;
  kind: FailureKind | "store";
  code: string;
  message: string;
  aadsts?: number;
  needsConsent: boolean;
  hint?: string;
}

export interface EngineEventMap {
  refreshed: RefreshedEvent;
  failed: FailedEvent;
}

type Listener<T> = (event: T) => void | Promise<void>;

/** Typed events; a throwing listener is logged and never disturbs the refresh that raised the event. */
export class EngineEvents {
  readonly #listeners: { [K in keyof EngineEventMap]: Set<Listener<EngineEventMap[K]>> } = {
    refreshed: new Set(),
    failed: new Set(),
  };
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<K extends keyof EngineEventMap>(type: K, listener: Listener<EngineEventMap[K]>): () => void {
    this.#listeners[type].add(listener);
    return () => this.#listeners[type].delete(listener);
  }

  async emit<K extends keyof EngineEventMap>(type: K, event: EngineEventMap[K]): Promise<void> {
    for (const listener of this.#listeners[type]) {
      try {
        await listener(event);
      } catch (error) {
        // A hook's error may quote what it was given: scrubbed here, whatever the logger does.
        this.#logger.warn(`a "${type}" listener failed`, {
          error: redactKnownSecrets(error instanceof Error ? error.message : String(error)),
        });
      }
    }
  }
}
