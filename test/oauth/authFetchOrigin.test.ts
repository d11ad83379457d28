/** Security review (defence in depth): the access token is attached only to requests to the MCP server's origin. */
import { describe, expect, it } from 'vitest';
import { createAuthFetch, type TokenSource } from '../../src/oauth/authFetch.js';

function tokenSource(): TokenSource {
  return {
    accessToken: async () => 'THE-ACCESS-TOKEN',
    unauthorized: async () => undefined,
    insufficientScope: async () => undefined,
    accepted: () => {},
  };
}

function recordingBase() {
  const sent: Array<{ url: string; authorization: string | null }> = [];
  const base = async (url: string | URL, init?: RequestInit) => {
    sent.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization') });
    return new Response('{}', { status: 200 });
  };
  return { base, sent };
}

describe('where the access token goes', () => {
  it('attaches it to the MCP server and its https form, never to another origin', async () => {
    const { base, sent } = recordingBase();
    const fetch = createAuthFetch(tokenSource(), base, 'http://mcp.example/mcp');
    await fetch('http://mcp.example/mcp', { method: 'POST' });
    await fetch('https://mcp.example/mcp', { method: 'POST' });
    await fetch('http://elsewhere.example/mcp', { method: 'POST' });
    await fetch('http://mcp.example:8080/mcp', { method: 'POST' });
    expect(sent.map((s) => s.authorization)).toEqual(['Bearer THE-ACCESS-TOKEN', 'Bearer THE-ACCESS-TOKEN', null, null]);
  });
});

describe('ending a session', () => {
  it('sends DELETE with the token but never refreshes or asks for more scopes on its answer', async () => {
    const calls: string[] = [];
    const source: TokenSource = {
      accessToken: async () => 'T',
      unauthorized: async () => (calls.push('unauthorized'), 'T2'),
      insufficientScope: async () => (calls.push('insufficientScope'), 'T3'),
      accepted: () => {},
    };
    const statuses = [401, 403];
    const base = async () => new Response(null, { status: statuses.shift()!, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' } });
    const fetch = createAuthFetch(source, base, 'http://mcp.example/mcp');
    expect((await fetch('http://mcp.example/mcp', { method: 'DELETE' })).status).toBe(401);
    expect((await fetch('http://mcp.example/mcp', { method: 'DELETE' })).status).toBe(403);
    expect(calls).toEqual([]);
  });
});
