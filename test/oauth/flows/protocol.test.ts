import { describe, expect, it, vi } from 'vitest';
import type { OpenBrowser } from '../../../src/oauth/prompts.js';
import { CookieJar, documentServer, fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('authorization protocol rules', () => {
  it('steps up to a wider scope when a tool call answers 403 insufficient_scope, then retries that call once', async () => {
    const server = await startServer({ scopeChallenge: 'required-only' });
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });

    const result = await manager.get('secure')!.callTool('stock_price', { symbol: 'MSFT' });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toContain('415.5');
    expect(browser.opened).toHaveLength(2);
    const scopes = new URL(browser.jar.visited.filter((u) => u.startsWith(`${server.url}/authorize`))[1]!).searchParams.get('scope')!.split(' ');
    expect(scopes.sort()).toEqual(['tools:execute', 'tools:execute:finance', 'tools:list']);
    // The wider grant keeps working for the other tools.
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'wide' }))).toBe('wide');
    expect(browser.opened).toHaveLength(2);
  });

  // Issue #14 item 7: a forged state used to send the server to 'failed' with no retry.
  it('refuses a callback whose state was tampered with, exchanges nothing, and keeps waiting for the real one', async () => {
    const server = await startServer();
    const home = await tempHome();
    const jar = new CookieJar();
    let real: URL | undefined;
    const tamperer: OpenBrowser = async (url) => {
      const consent = await jar.fetch(new URL(url).href, 0); // mcpo's login link: binds this browser
      const res = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
      real = new URL(res.headers.get('location')!);
      const forged = new URL(real);
      forged.searchParams.set('state', 'forged-state');
      const refused = await jar.fetch(forged.href);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('still waiting');
    };
    const { support } = oauthSupport(home, tamperer);
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(real).toBeDefined(), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(manager.get('secure')!.status().state).toBe('needs_authorization');
    expect(server.stats().authorizationCodeRequests).toBe(0);
    expect((await jar.fetch(real!.href)).status).toBe(200);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
  });

  it('refuses a server whose protected resource metadata names another resource', async () => {
    const server = await startServer();
    const impostor = await documentServer(() => ({
      '/mcp': [401, { 'WWW-Authenticate': `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"` }, {}],
    }));
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(`${impostor}/mcp`)]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('failed'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().error).toContain(`names resource ${server.mcpUrl}, which does not match`);
    expect(browser.opened).toEqual([]);
    expect(server.stats().registrations).toBe(0);
  });

  it('refuses an authorization server that does not advertise PKCE S256', async () => {
    const origin = await documentServer((o) => ({
      '/mcp': [401, { 'WWW-Authenticate': 'Bearer' }, {}],
      '/.well-known/oauth-protected-resource/mcp': [200, {}, { resource: `${o}/mcp`, authorization_servers: [o] }],
      '/.well-known/oauth-authorization-server': [
        200,
        {},
        { issuer: o, authorization_endpoint: `${o}/authorize`, token_endpoint: `${o}/token`, response_types_supported: ['code'] },
      ],
    }));
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(`${origin}/mcp`)]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('failed'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().error).toContain('does not advertise PKCE S256');
    expect(browser.opened).toEqual([]);
  });

  it('works over the legacy SSE transport too', async () => {
    const server = await startServer();
    const home = await tempHome();
    const { support } = oauthSupport(home, fetchBrowser());
    const manager = startManager(support, [oauthEntry(server.sseUrl, { kind: 'sse' })]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().transport).toBe('sse');
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'over sse' }))).toBe('over sse');
  });

  it('falls back from streamable HTTP to SSE for a url without type, with one login', async () => {
    const server = await startServer();
    const home = await tempHome();
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(server.sseUrl, { kind: 'auto' })]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(manager.get('secure')!.status().transport).toBe('sse');
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'auto' }))).toBe('auto');
    expect(browser.opened).toHaveLength(1);
  });
});
