/**
 * Authorization codes, grants, access tokens and refresh tokens, in memory, with an injected clock.
 *
 * A grant is what one consent produced (client, scopes, resource). Every token belongs to one grant, so
 * revoking a refresh token (RFC 7009 §2.1) or replaying a used code or refresh token ends the whole grant.
 */
import { randomBytes } from 'node:crypto';

/** A one-time authorization code and everything it was bound to at /authorize. */
export interface AuthorizationCodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  /** Canonical resource (see resource.ts). */
  resource: string;
  /** Who approved: the account the tokens act for (`whoami` says it). */
  subject: string;
  expiresAt: number;
}

export interface Grant {
  id: string;
  clientId: string;
  scopes: string[];
  resource: string;
  /** See AuthorizationCodeRecord.subject. */
  subject: string;
}

export interface AccessTokenRecord {
  grant: Grant;
  /** The token's own scopes: a refresh may narrow them below the grant's. */
  scopes: string[];
  expiresAt: number;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  scopes: string[];
  expiresInSeconds: number;
}

export interface TokenStoreOptions {
  now: () => number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
}

interface RefreshTokenRecord {
  grant: Grant;
  expiresAt: number;
}

/** 256 bits from the CSPRNG, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export class TokenStore {
  readonly #options: TokenStoreOptions;
  readonly #codes = new Map<string, AuthorizationCodeRecord>();
  /** Codes already exchanged, to detect replay (OAuth 2.1 §4.1.3: revoke what the code produced). */
  readonly #usedCodes = new Map<string, string>();
  readonly #grants = new Map<string, Grant>();
  readonly #access = new Map<string, AccessTokenRecord>();
  readonly #refresh = new Map<string, RefreshTokenRecord>();
  /** Refresh tokens replaced by rotation, to detect replay (OAuth 2.1 §4.3.1). */
  readonly #rotated = new Map<string, string>();

  constructor(options: TokenStoreOptions) {
    this.#options = options;
  }

  issueCode(record: Omit<AuthorizationCodeRecord, 'expiresAt'>): string {
    const code = randomToken();
    this.#codes.set(code, { ...record, expiresAt: this.#options.now() + this.#options.authorizationCodeTtlSeconds * 1000 });
    return code;
  }

  /**
   * The live code record, without using it up (the SDK asks for the PKCE challenge before the exchange).
   * A code that was already exchanged revokes the grant its first use created.
   */
  peekCode(code: string): AuthorizationCodeRecord | undefined {
    const replayedGrant = this.#usedCodes.get(code);
    if (replayedGrant !== undefined) {
      this.#revokeGrant(replayedGrant);
      return undefined;
    }
    const record = this.#codes.get(code);
    if (record && record.expiresAt <= this.#options.now()) {
      this.#codes.delete(code);
      return undefined;
    }
    return record;
  }

  /** Uses a code up (replay handled as in peekCode). */
  takeCode(code: string): AuthorizationCodeRecord | undefined {
    const record = this.peekCode(code);
    this.#codes.delete(code);
    return record;
  }

  /** Starts a grant and issues its first token pair; `fromCode` records the code for replay detection. */
  startGrant(grant: Omit<Grant, 'id'>, fromCode?: string): IssuedTokens {
    const stored: Grant = { ...grant, id: randomToken() };
    this.#grants.set(stored.id, stored);
    if (fromCode !== undefined) this.#usedCodes.set(fromCode, stored.id);
    return this.#issuePair(stored, stored.scopes);
  }

  /**
   * Rotates a refresh token: the old one stops working and a new pair is issued. A rotated token presented
   * again revokes the whole grant. Undefined when the token is unknown, expired, revoked or not the client's.
   */
  rotateRefreshToken(refreshToken: string, clientId: string, scopes: string[] | undefined): IssuedTokens | undefined {
    const replayedGrant = this.#rotated.get(refreshToken);
    if (replayedGrant !== undefined) {
      this.#revokeGrant(replayedGrant);
      return undefined;
    }
    const record = this.#refresh.get(refreshToken);
    if (!record || record.grant.clientId !== clientId) return undefined;
    this.#refresh.delete(refreshToken);
    if (record.expiresAt <= this.#options.now()) return undefined;
    this.#rotated.set(refreshToken, record.grant.id);
    return this.#issuePair(record.grant, scopes ?? record.grant.scopes);
  }

  /** The grant a live refresh token belongs to, without using it. */
  refreshGrant(refreshToken: string): Grant | undefined {
    const record = this.#refresh.get(refreshToken);
    return record && record.expiresAt > this.#options.now() ? record.grant : undefined;
  }

  /** A live access token's record; expired tokens are dropped on sight. */
  findAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.#access.get(token);
    if (record && record.expiresAt <= this.#options.now()) {
      this.#access.delete(token);
      return undefined;
    }
    return record;
  }

  /**
   * RFC 7009 revocation on behalf of `clientId`: an access token ends alone, a refresh token ends its grant.
   * Tokens that are unknown or belong to another client are left alone (the endpoint answers 200 anyway).
   */
  revoke(token: string, clientId: string): void {
    const access = this.#access.get(token);
    if (access?.grant.clientId === clientId) this.#access.delete(token);
    const refresh = this.#refresh.get(token);
    if (refresh?.grant.clientId === clientId) this.#revokeGrant(refresh.grant.id);
  }

  /** Ends every grant of a client; returns how many grants ended. */
  revokeClient(clientId: string): number {
    const grants = [...this.#grants.values()].filter((grant) => grant.clientId === clientId);
    for (const grant of grants) this.#revokeGrant(grant.id);
    return grants.length;
  }

  #issuePair(grant: Grant, scopes: string[]): IssuedTokens {
    const now = this.#options.now();
    const accessToken = randomToken();
    const refreshToken = randomToken();
    this.#access.set(accessToken, { grant, scopes, expiresAt: now + this.#options.accessTokenTtlSeconds * 1000 });
    this.#refresh.set(refreshToken, { grant, expiresAt: now + this.#options.refreshTokenTtlSeconds * 1000 });
    return { accessToken, refreshToken, scopes, expiresInSeconds: this.#options.accessTokenTtlSeconds };
  }

  #revokeGrant(grantId: string): void {
    this.#grants.delete(grantId);
    for (const [token, record] of this.#access) if (record.grant.id === grantId) this.#access.delete(token);
    for (const [token, record] of this.#refresh) if (record.grant.id === grantId) this.#refresh.delete(token);
  }
}
