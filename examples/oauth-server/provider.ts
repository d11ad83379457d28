/**
 * The authorization server's logic behind the SDK's `mcpAuthRouter` handlers: an in-memory
 * OAuthServerProvider. The SDK handlers parse requests, authenticate clients and check PKCE; this class
 * decides what is allowed and issues codes and tokens.
 */
import type { Response } from 'express';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type {
  OAuthClientInformationFull,
  OAuthTokenRevocationRequest,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  InvalidTokenError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { InMemoryClientsStore } from './clientsStore.js';
import type { PendingConsents } from './consent.js';
import { CONSENT_PAGE_HEADERS, DEFAULT_SUBJECT, renderConsentPage } from './consentPage.js';
import { canonicalResource, type ServerUrls } from './resource.js';
import { BASELINE_SCOPES, SUPPORTED_SCOPES } from './scopes.js';
import type { IssuedTokens, TokenStore } from './tokenStore.js';

/** Path the consent form posts to. */
export const CONSENT_PATH = '/consent';

/** S256 challenge: base64url of a SHA-256 digest, 43 characters (RFC 7636 §4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** An authorization request that passed validation and waits for (or skips) the user's decision. */
export interface AuthorizationRequest {
  client: OAuthClientInformationFull;
  redirectUri: string;
  state: string | undefined;
  scopes: string[];
  codeChallenge: string;
  /** Canonical resource the code and its tokens are bound to. */
  resource: string;
}

export interface DemoOAuthProviderOptions {
  urls: ServerUrls;
  clients: InMemoryClientsStore;
  tokens: TokenStore;
  consents: PendingConsents;
  autoApprove: boolean;
}

/** The token endpoint's JSON body (RFC 6749 §5.1) for an issued pair. */
export function toOAuthTokens(issued: IssuedTokens): OAuthTokens {
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresInSeconds,
    refresh_token: issued.refreshToken,
    scope: issued.scopes.join(' '),
  };
}

export class DemoOAuthProvider implements OAuthServerProvider {
  /** When true, /authorize redirects straight back with a code instead of showing the consent page. */
  autoApprove: boolean;
  readonly #urls: ServerUrls;
  readonly #clients: InMemoryClientsStore;
  readonly #tokens: TokenStore;
  readonly #consents: PendingConsents;

  constructor(options: DemoOAuthProviderOptions) {
    this.autoApprove = options.autoApprove;
    this.#urls = options.urls;
    this.#clients = options.clients;
    this.#tokens = options.tokens;
    this.#consents = options.consents;
  }

  get clientsStore(): InMemoryClientsStore {
    return this.#clients;
  }

  /**
   * Called by the SDK's authorization handler once client_id and redirect_uri are valid and PKCE is S256 with
   * a challenge present. Errors thrown here are redirected to the client with `error=...`.
   */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const request = this.#validate(client, params);
    if (this.autoApprove) {
      res.redirect(302, this.approve(request));
      return;
    }
    const requestId = this.#consents.open(request);
    res.set(CONSENT_PAGE_HEADERS);
    res.status(200).type('html').send(
      renderConsentPage({
        action: CONSENT_PATH,
        requestId,
        clientName: client.client_name ?? client.client_id,
        clientId: client.client_id,
        scopes: request.scopes,
        redirectUri: request.redirectUri,
        resource: request.resource,
      }),
    );
  }

  /** Issues a one-time code for an approved request, for the account `subject`; returns the redirect URL carrying it. */
  approve(request: AuthorizationRequest, subject: string = DEFAULT_SUBJECT): string {
    const code = this.#tokens.issueCode({
      subject,
      clientId: request.client.client_id,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      resource: request.resource,
    });
    return this.#redirect(request, { code });
  }

  /** The redirect URL telling the client the user said no (RFC 6749 §4.1.2.1). */
  deny(request: AuthorizationRequest): string {
    return this.#redirect(request, { error: 'access_denied', error_description: 'The user denied the request' });
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<string> {
    const record = this.#tokens.peekCode(authorizationCode);
    if (!record || record.clientId !== client.client_id) throw new InvalidGrantError('Invalid or expired authorization code');
    return record.codeChallenge;
  }

  /** Runs after the SDK checked the PKCE verifier against the code's challenge. */
  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: string,
    _codeVerifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const record = this.#tokens.takeCode(authorizationCode);
    if (!record || record.clientId !== client.client_id) throw new InvalidGrantError('Invalid or expired authorization code');
    if (redirectUri !== undefined && redirectUri !== record.redirectUri) {
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    }
    if (resource !== undefined && canonicalResource(this.#urls, resource) !== record.resource) {
      throw new InvalidTargetError('resource does not match the authorization request');
    }
    const issued = this.#tokens.startGrant(
      { clientId: client.client_id, scopes: record.scopes, resource: record.resource, subject: record.subject },
      authorizationCode,
    );
    return toOAuthTokens(issued);
  }

  /** Rotation: the presented refresh token stops working; `scopes` may only narrow (RFC 6749 §6). */
  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
    resource?: URL,
  ): Promise<OAuthTokens> {
    const grant = this.#tokens.refreshGrant(refreshToken);
    if (grant && scopes !== undefined && !scopes.every((scope) => grant.scopes.includes(scope))) {
      throw new InvalidScopeError('Requested scope exceeds the scope originally granted');
    }
    if (grant && resource !== undefined && canonicalResource(this.#urls, resource) !== grant.resource) {
      throw new InvalidTargetError('resource does not match the original grant');
    }
    const issued = this.#tokens.rotateRefreshToken(refreshToken, client.client_id, scopes);
    if (!issued) throw new InvalidGrantError('Invalid, expired or already used refresh token');
    return toOAuthTokens(issued);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const record = this.#tokens.findAccessToken(token);
    if (!record) throw new InvalidTokenError('Invalid, expired or revoked access token');
    return {
      token,
      clientId: record.grant.clientId,
      scopes: record.scopes,
      expiresAt: Math.floor(record.expiresAt / 1000),
      resource: new URL(record.grant.resource),
      // Read by the `whoami` tool (tools.ts) through the SDK's authInfo.
      extra: { subject: record.grant.subject },
    };
  }

  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    this.#tokens.revoke(request.token, client.client_id);
  }

  #validate(client: OAuthClientInformationFull, params: AuthorizationParams): AuthorizationRequest {
    const base = { client, redirectUri: params.redirectUri, state: params.state };
    const scopes = params.scopes && params.scopes.length > 0 ? [...new Set(params.scopes)] : [...BASELINE_SCOPES];
    const unknown = scopes.filter((scope) => !SUPPORTED_SCOPES.includes(scope));
    if (unknown.length > 0) {
      throw new InvalidScopeError(`Unknown scope ${unknown.join(' ')}; supported: ${SUPPORTED_SCOPES.join(' ')}`);
    }
    if (!S256_CHALLENGE.test(params.codeChallenge)) {
      throw new InvalidRequestError('code_challenge must be a base64url S256 digest (43 characters)');
    }
    // No resource: bind to the whole server (origin), for clients that predate RFC 8707.
    const resource = params.resource === undefined ? this.#urls.origin : canonicalResource(this.#urls, params.resource);
    if (resource === undefined) {
      throw new InvalidTargetError(`Unknown resource; use ${this.#urls.mcp}, ${this.#urls.sse} or ${this.#urls.origin}`);
    }
    return { ...base, scopes, codeChallenge: params.codeChallenge, resource };
  }

  #redirect(request: AuthorizationRequest, params: Record<string, string>): string {
    const url = new URL(request.redirectUri);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    if (request.state !== undefined) url.searchParams.set('state', request.state);
    return url.href;
  }
}
