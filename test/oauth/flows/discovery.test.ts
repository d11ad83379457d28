/**
 * Where mcpo sends the user, for servers shaped unlike the example server: legacy servers (no RFC 9728),
 * a configured server_url, scopes from the metadata, a Client ID Metadata Document. The "browser" only
 * records the authorization URL; nothing past it is needed to see the decisions.
 */
import { describe, expect, it, vi } from 'vitest';
import { authorizationUrlBehind, documentServer, idleBrowser, oauthEntry, oauthSupport, startManager, tempHome } from './harness.js';

const REGISTERED = { client_id: 'registered-client', redirect_uris: ['http://127.0.0.1:1/callback'] };

function asMetadata(base: string, extra: Record<string, unknown> = {}) {
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    registration_endpoint: `${base}/oauth/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  };
}

async function authorizationUrl(serverUrl: string, oauth: Parameters<typeof oauthEntry>[2] = {}): Promise<URL> {
  const home = await tempHome();
  const browser = idleBrowser();
  const { support } = oauthSupport(home, browser);
  startManager(support, [oauthEntry(serverUrl, {}, oauth)]);
  await vi.waitFor(() => expect(browser.opened).toHaveLength(1), { timeout: 10_000 });
  return authorizationUrlBehind(browser.opened[0]!);
}

describe('discovery for other server shapes', () => {
  it('uses the default /authorize and /register at the MCP origin for a legacy server without any metadata', async () => {
    const origin = await documentServer(() => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}],
      '/register': [201, {}, REGISTERED],
    }));
    const url = await authorizationUrl(`${origin}/mcp`);
    expect(`${url.origin}${url.pathname}`).toBe(`${origin}/authorize`);
    expect(url.searchParams.get('client_id')).toBe('registered-client');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.has('resource')).toBe(false); // no protected resource metadata, no resource indicator
  });

  it('looks for authorization server metadata at server_url when the MCP server has no RFC 9728 metadata', async () => {
    const as = await documentServer((o) => ({
      '/.well-known/oauth-authorization-server/tenant': [200, {}, asMetadata(`${o}/tenant`)],
      '/tenant/oauth/register': [201, {}, REGISTERED],
    }));
    const mcp = await documentServer(() => ({ '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}] }));
    const url = await authorizationUrl(`${mcp}/mcp`, { serverUrl: `${as}/tenant` });
    expect(`${url.origin}${url.pathname}`).toBe(`${as}/tenant/oauth/authorize`);
  });

  it('finds protected resource metadata at the well-known path without a hint, and requests all its scopes', async () => {
    const origin = await documentServer((o) => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}],
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o], scopes_supported: ['read', 'write'] }],
      '/.well-known/oauth-authorization-server': [200, {}, asMetadata(o)],
      '/oauth/register': [201, {}, REGISTERED],
    }));
    const url = await authorizationUrl(`${origin}/mcp`);
    expect(url.searchParams.get('scope')).toBe('read write');
    expect(url.searchParams.get('resource')).toBe(`${origin}/mcp`);
  });

  it('requests only the configured scope when one is set, over the challenge and the metadata', async () => {
    const origin = await documentServer((o) => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer scope="read write"' }, {}],
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o], scopes_supported: ['read', 'write', 'admin'] }],
      '/.well-known/oauth-authorization-server': [200, {}, asMetadata(o)],
      '/oauth/register': [201, {}, REGISTERED],
    }));
    const url = await authorizationUrl(`${origin}/mcp`, { scope: 'read' });
    expect(url.searchParams.get('scope')).toBe('read');
  });

  it('presents the Client ID Metadata Document URL as client_id, without registering, when the server supports it', async () => {
    const origin = await documentServer((o) => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}],
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o] }],
      '/.well-known/oauth-authorization-server': [200, {}, asMetadata(o, { client_id_metadata_document_supported: true })],
    }));
    const cimd = 'http://127.0.0.1:9/mcpo/client.json';
    const url = await authorizationUrl(`${origin}/mcp`, { clientMetadataUrl: cimd });
    expect(url.searchParams.get('client_id')).toBe(cimd);
  });

  it('registers dynamically instead when the server does not support Client ID Metadata Documents', async () => {
    const origin = await documentServer((o) => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}],
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o] }],
      '/.well-known/oauth-authorization-server': [200, {}, asMetadata(o)],
      '/oauth/register': [201, {}, REGISTERED],
    }));
    const url = await authorizationUrl(`${origin}/mcp`, { clientMetadataUrl: 'http://127.0.0.1:9/mcpo/client.json' });
    expect(url.searchParams.get('client_id')).toBe('registered-client');
  });
});
