/**
 * What a test asks an identity provider that rotates refresh tokens, whichever it is ({@link FakeEntra}
 * or `StrictOidcProvider`), so one race test can run against both. `rt` is any refresh token the
 * provider issued; it names the grant (the chain of tokens from one consent) it belongs to.
 */
export interface RotationProbe {
  /** Whether the grant still holds a token the provider would accept. */
  isGrantAlive(rt: string): boolean | Promise<boolean>;
  /** The most recently issued refresh token of the grant. */
  newestRefreshToken(rt: string): string;
  /** How many token requests presented `rt`; more than 1 is a duplicate redemption. */
  presentationCount(rt: string): number;
  /** Every refresh token presented more than once. */
  reusedRefreshTokens(): string[];
  /** Token-endpoint requests that reached the provider, whatever their outcome. */
  readonly tokenRequestCount: number;
}
