import { describe, expect, it } from 'vitest';
import { parseScopes, readChallenge, unionScopes } from '../../src/oauth/scopes.js';
import { describeTokens } from '../../src/oauth/status.js';

describe('scopes', () => {
  it('parse a space-separated value into distinct scopes', () => {
    expect(parseScopes('  a b  a c ')).toEqual(['a', 'b', 'c']);
    expect(parseScopes(undefined)).toEqual([]);
  });

  it('unite challenged and held scopes, keeping first-seen order, and give undefined for none', () => {
    expect(unionScopes('x:finance x', 'list x', undefined)).toBe('x:finance x list');
    expect(unionScopes(undefined, '')).toBeUndefined();
  });

  it('read resource_metadata, scope and error from a Bearer challenge', () => {
    const res = new Response(null, {
      status: 403,
      headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="a b", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp"' },
    });
    expect(readChallenge(res)).toEqual({
      error: 'insufficient_scope',
      scope: 'a b',
      resourceMetadataUrl: new URL('https://h/.well-known/oauth-protected-resource/mcp'),
    });
    expect(readChallenge(new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="x"' } }))).toEqual({});
  });
});

describe('token descriptions for mcpo auth status', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('say whether a saved token is usable, refreshable or absent', () => {
    const base = { version: 1 as const, serverUrl: 'https://h/mcp' };
    expect(describeTokens(undefined, now)).toEqual({ state: 'not authorized', refreshable: false });
    expect(describeTokens({ ...base, tokens: { access_token: 'a', token_type: 'Bearer', expires_at: now + 1000, scope: 's' } }, now)).toEqual({
      state: 'authorized',
      expiresAt: '2026-01-01T00:00:01.000Z',
      scope: 's',
      refreshable: false,
    });
    expect(describeTokens({ ...base, tokens: { access_token: 'a', token_type: 'Bearer', refresh_token: 'r', expires_at: now - 1 } }, now).state).toBe(
      'expired (will refresh)',
    );
    expect(describeTokens({ ...base, tokens: { access_token: 'a', token_type: 'Bearer', expires_at: now } }, now).state).toBe('expired');
  });
});
