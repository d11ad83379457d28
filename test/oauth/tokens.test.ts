import { describe, expect, it } from 'vitest';
import { StoredAuthSchema } from '../../src/oauth/store/schema.js';
import {
  DEFAULT_REFRESH_MARGIN_MS,
  discoveryFromState,
  isExpired,
  refreshMarginFor,
  toDiscoveryState,
  toOAuthTokens,
  tokensFromResponse,
} from '../../src/oauth/store/tokens.js';

const NOW = Date.UTC(2025, 0, 1);

describe('token expiry bookkeeping', () => {
  it('stores expires_in as an absolute expires_at and keeps the other fields', () => {
    const stored = tokensFromResponse(
      { access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', scope: 'read', issuer: 'https://as.example' },
      NOW,
    );
    expect(stored).toEqual({
      access_token: 'at',
      token_type: 'Bearer',
      expires_at: NOW + 3_600_000,
      lifetime_seconds: 3600,
      refresh_token: 'rt',
      scope: 'read',
      issuer: 'https://as.example',
    });
    expect(stored).not.toHaveProperty('expires_in');
  });

  it('stores no expiry when the server gave none', () => {
    expect(tokensFromResponse({ access_token: 'at', token_type: 'Bearer' }, NOW)).not.toHaveProperty('expires_at');
  });

  it('gives the SDK back an expires_in counted from now, never negative', () => {
    const stored = tokensFromResponse({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }, NOW);
    expect(toOAuthTokens(stored, NOW + 600_000)).toEqual({ access_token: 'at', token_type: 'Bearer', expires_in: 3000 });
    expect(toOAuthTokens(stored, NOW + 7_200_000).expires_in).toBe(0);
  });

  it('counts a token as expired one refresh margin before its expiry', () => {
    const stored = tokensFromResponse({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }, NOW);
    const expiry = NOW + 3_600_000;
    expect(DEFAULT_REFRESH_MARGIN_MS).toBe(60_000);
    expect(isExpired(stored, expiry - 60_001)).toBe(false);
    expect(isExpired(stored, expiry - 60_000)).toBe(true);
    expect(isExpired(stored, expiry - 1000, 0)).toBe(false);
    expect(isExpired(stored, expiry + 1)).toBe(true);
  });

  it('refreshes a short-lived token after 90% of its life, not before every request (regression: 60 s margin on ≤ 60 s tokens)', () => {
    const stored = tokensFromResponse({ access_token: 'at', token_type: 'Bearer', expires_in: 30 }, NOW);
    expect(refreshMarginFor(stored)).toBe(3_000);
    expect(isExpired(stored, NOW)).toBe(false);
    expect(isExpired(stored, NOW + 26_999)).toBe(false);
    expect(isExpired(stored, NOW + 27_000)).toBe(true);
    const minute = tokensFromResponse({ access_token: 'at', token_type: 'Bearer', expires_in: 60 }, NOW);
    expect(isExpired(minute, NOW + 1_000)).toBe(false);
    // Long-lived tokens keep the full 60 s.
    expect(refreshMarginFor(tokensFromResponse({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }, NOW))).toBe(60_000);
  });

  it('keeps the fixed margin for token files written before the issued lifetime was saved', () => {
    const old = StoredAuthSchema.parse({ version: 1, serverUrl: 'https://x', tokens: { access_token: 'at', token_type: 'Bearer', expires_at: NOW + 3_600_000 } });
    expect(refreshMarginFor(old.tokens!)).toBe(DEFAULT_REFRESH_MARGIN_MS);
    expect(isExpired(old.tokens!, NOW + 3_540_000)).toBe(true);
  });

  it('does not hand the saved lifetime to the SDK as a token field', () => {
    const stored = tokensFromResponse({ access_token: 'at', token_type: 'Bearer', expires_in: 30 }, NOW);
    expect(toOAuthTokens(stored, NOW)).toEqual({ access_token: 'at', token_type: 'Bearer', expires_in: 30 });
  });

  it('never counts a token without expiry as expired', () => {
    expect(isExpired({ access_token: 'at', token_type: 'Bearer' }, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('stored auth schema', () => {
  it('round-trips tokens, a dynamic registration and discovery state', () => {
    const state = {
      version: 1 as const,
      serverUrl: 'https://mcp.example/mcp',
      clientIdentity: 'dynamic',
      tokens: { access_token: 'at', token_type: 'Bearer', expires_at: NOW },
      client: { client_id: 'c1', client_secret: 's', redirect_uris: ['http://127.0.0.1:3030/callback'], issuer: 'https://as.example' },
      discovery: discoveryFromState(
        {
          authorizationServerUrl: 'https://as.example',
          resourceMetadataUrl: 'https://mcp.example/.well-known/oauth-protected-resource',
          resourceMetadata: { resource: 'https://mcp.example/mcp', authorization_servers: ['https://as.example'] },
          authorizationServerMetadata: {
            issuer: 'https://as.example',
            authorization_endpoint: 'https://as.example/authorize',
            token_endpoint: 'https://as.example/token',
            response_types_supported: ['code'],
          },
        },
        NOW,
      ),
    };
    const parsed = StoredAuthSchema.parse(JSON.parse(JSON.stringify(state)));
    expect(parsed).toEqual(state);
    expect(toDiscoveryState(parsed.discovery!)).not.toHaveProperty('fetchedAt');
    expect(toDiscoveryState(parsed.discovery!).authorizationServerUrl).toBe('https://as.example');
  });

  it('accepts pre-registered client information without registration metadata', () => {
    const parsed = StoredAuthSchema.parse({ version: 1, serverUrl: 'https://x', client: { client_id: 'pre' } });
    expect(parsed.client).toEqual({ client_id: 'pre' });
  });

  it('rejects another file version and tokens without an access token', () => {
    expect(StoredAuthSchema.safeParse({ version: 2, serverUrl: 'https://x' }).success).toBe(false);
    expect(StoredAuthSchema.safeParse({ version: 1, serverUrl: 'https://x', tokens: { token_type: 'Bearer' } }).success).toBe(false);
  });
});
