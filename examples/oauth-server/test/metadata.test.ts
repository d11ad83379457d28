import { describe, expect, it } from 'vitest';
import { SUPPORTED_SCOPES } from '../index.js';
import { postMcp, startServer } from './helpers.js';

describe('discovery documents', () => {
  it('publishes RFC 8414 authorization server metadata with S256 only and every scope', async () => {
    const server = await startServer();
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: `${server.url}/`,
      authorization_endpoint: `${server.url}/authorize`,
      token_endpoint: `${server.url}/token`,
      registration_endpoint: `${server.url}/register`,
      revocation_endpoint: `${server.url}/revoke`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      scopes_supported: ['tools:list', 'tools:execute', 'tools:execute:finance'],
    });
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
  });

  it.each([
    ['mcp', '/mcp'],
    ['sse', '/sse'],
  ])('publishes RFC 9728 protected resource metadata for /%s whose resource is that endpoint URL', async (name, path) => {
    const server = await startServer();
    const res = await fetch(`${server.url}/.well-known/oauth-protected-resource/${name}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      resource: `${server.url}${path}`,
      authorization_servers: [server.issuer],
      scopes_supported: [...SUPPORTED_SCOPES],
      bearer_methods_supported: ['header'],
      resource_name: expect.any(String),
    });
  });
});

describe('bearer challenge', () => {
  it('answers /mcp without a token with 401 naming the metadata URL and the baseline scopes', async () => {
    const server = await startServer();
    const res = await postMcp(server, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", scope="tools:list tools:execute"`,
    );
  });

  it('answers /sse without a token with 401 pointing at the SSE resource metadata', async () => {
    const server = await startServer();
    const res = await fetch(server.sseUrl, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/sse", scope="tools:list tools:execute"`,
    );
  });

  it('answers an unknown token with 401 invalid_token and the same challenge parameters', async () => {
    const server = await startServer();
    const res = await postMcp(server, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, 'not-a-token');
    expect(res.status).toBe(401);
    const header = res.headers.get('www-authenticate') ?? '';
    expect(header).toMatch(/^Bearer error="invalid_token", /);
    expect(header).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    expect(header).toContain('scope="tools:list tools:execute"');
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('answers a message POST to the SSE endpoint without a token with 401', async () => {
    const server = await startServer();
    const res = await fetch(`${server.url}/messages?sessionId=x`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('/.well-known/oauth-protected-resource/sse');
  });
});
