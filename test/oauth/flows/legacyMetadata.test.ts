/**
 * A 2025-03-26-era server (MCP conformance scenario auth/2025-03-26-oauth-metadata-backcompat): no protected
 * resource metadata, authorization server metadata at the MCP server's origin whose issuer carries a path. The
 * MCP spec's back-compat rules make that legitimate; an issuer on another origin stays refused.
 */
import { describe, expect, it, vi } from 'vitest';
import { documentServer, fetchBrowser, idleBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('2025-03-26 authorization server metadata (no RFC 9728, issuer with a path)', () => {
  it('the example server in legacy mode is authorized through its path issuer, and tools can be called', async () => {
    const server = await startServer({ legacyMetadata: true, autoApprove: true });
    expect(server.issuer).toBe(`${server.url}/oauth`);
    const prm = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(prm.status).toBe(404);
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'march' }))).toBe('march');
    const authorize = new URL(browser.jar.visited[1]!); // behind mcpo's login link
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${server.url}/authorize`);
    expect(authorize.searchParams.has('resource')).toBe(false);
  });

  it('an issuer on another origin is still refused, and the user is never sent there', async () => {
    const origin = await documentServer(() => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}],
      '/.well-known/oauth-authorization-server': [
        200,
        {},
        {
          issuer: 'https://attacker.example/oauth',
          authorization_endpoint: 'https://attacker.example/authorize',
          token_endpoint: 'https://attacker.example/token',
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        },
      ],
    }));
    const home = await tempHome();
    const browser = idleBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(`${origin}/mcp`)]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().error ?? '').toMatch(/issuer/i), { timeout: 10_000 });
    expect(browser.opened).toEqual([]);
  });
});
