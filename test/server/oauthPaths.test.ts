/**
 * The split between the tool route and the app for OAuth on mcpo's port (toolTarget.ts's rule), through the real
 * listener: the connections page's POSTs under {pathPrefix}/oauth reach its Hono routes, and no POST there is taken
 * for a tool call, with a path prefix and a root path too. The page itself: test/oauth/flows/connections.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionsPageRequest, OAuthEndpoints } from '../../src/server/oauthRoutes.js';
import { createTestApp, type TestApp, type TestAppOptions } from './setup.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.dispose();
});

/** Endpoints whose page shows its form token and whose Connect and Disconnect record the server they were given. */
function endpoints(): { oauth: OAuthEndpoints; connected: string[]; disconnected: string[] } {
  const connected: string[] = [];
  const disconnected: string[] = [];
  const oauth: OAuthEndpoints = {
    callback: () => ({ status: 400, html: 'callback' }),
    pageHeaders: { 'Content-Type': 'text/html; charset=utf-8' },
    connectionsPageHeaders: { 'Content-Type': 'text/html; charset=utf-8' },
    connect: async (server) => {
      connected.push(server);
      return { kind: 'terminal' };
    },
    disconnect: async (server) => {
      disconnected.push(server);
      return { revocation: 'not_advertised', summary: 'nothing to revoke' } as never;
    },
    renderPage: async (request: ConnectionsPageRequest) => `token=${request.token} action=${request.actionPath} notice=${request.notice ?? ''}`,
    userGrant: () => ({ ok: false, why: 'invalid' }),
    renderRefusedLink: (why) => `refused ${why}`,
    connectUser: async () => undefined,
    disconnectUser: async () => undefined,
    renderUserPage: async () => '',
  };
  return { oauth, connected, disconnected };
}

async function start(options: TestAppOptions): Promise<TestApp & ReturnType<typeof endpoints>> {
  const made = endpoints();
  const t = await createTestApp({ ...options, oauth: made.oauth });
  apps.push(t);
  return Object.assign(t, made);
}

function form(t: TestApp, path: string, fields: Record<string, string>): Promise<Response> {
  return t.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

const errorOf = async (res: Response): Promise<{ code: string; message: string; details?: Record<string, unknown> }> =>
  ((await res.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;

describe('POSTs under {pathPrefix}/oauth are the app\'s', () => {
  for (const [label, options, prefix, actionPath] of [
    ['at the root', {}, '', '/oauth'],
    ['under --path-prefix and --root-path', { pathPrefix: '/api', rootPath: '/tools' }, '/api', '/tools/api/oauth'],
  ] as const) {
    it(`${label}: Connect and Disconnect reach the connections routes, other POSTs there are the app's 404`, async () => {
      const t = await start(options);
      const page = await t.request(`${prefix}/oauth`);
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain(`action=${actionPath}`);
      const token = /token=(\S+)/.exec(text)![1]!;

      const connect = await form(t, `${prefix}/oauth/connect`, { server: 'alpha', token });
      expect(connect.status).toBe(200);
      expect(await connect.text()).toContain('notice=alpha: the login');
      const disconnect = await form(t, `${prefix}/oauth/disconnect`, { server: 'beta', token });
      expect(disconnect.status).toBe(200);
      expect([t.connected, t.disconnected]).toEqual([['alpha'], ['beta']]);
      // The connections route's own guard answers, not the tool route (which would say no server is named "oauth").
      const forged = await form(t, `${prefix}/oauth/connect`, { server: 'alpha', token: 'forged' });
      expect(forged.status).toBe(403);
      expect(await errorOf(forged)).toMatchObject({ code: 'FORBIDDEN' });

      for (const path of [`${prefix}/oauth`, `${prefix}/oauth/x/connect`, `${prefix}/%6Fauth/connect/extra`]) {
        const res = await t.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status, path).toBe(404);
        // The app's 404 names the route it did not find; the tool route's would name only the server.
        expect(await errorOf(res), path).toMatchObject({ message: expect.stringMatching(/^No route POST /), details: { method: 'POST' } });
      }
      expect(t.connected).toEqual(['alpha']);
      // A tool call beside them is still the tool route's.
      const call = await t.request(`${prefix}/alpha/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      expect(await call.json()).toBe('hi');
    });
  }

  it('without OAuth support, a POST to /oauth/connect is the app\'s 404, not a tool call', async () => {
    const t = await createTestApp({});
    apps.push(t);
    const res = await t.request('/oauth/connect', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ message: expect.stringContaining('No route POST /oauth/connect') });
  });
});

describe('no CORS under {pathPrefix}/oauth (issue #16)', () => {
  // Regression: the CORS middleware answered preflights and decorated every answer of the app, the connections
  // page, its buttons and the callback included, so a permissive --cors-allow-origins let other sites read them.
  const corsHeaders = (res: Response): string[] => {
    const names: string[] = [];
    res.headers.forEach((_, name) => name.startsWith('access-control-') && names.push(name));
    return names;
  };
  const cases: Array<[string, TestAppOptions, string]> = [
    ['any origin, at the root', { corsAllowOrigins: ['*'] }, ''],
    ['a listed origin, under --path-prefix', { corsAllowOrigins: ['https://app.example'], pathPrefix: '/api', rootPath: '/tools' }, '/api'],
  ];
  for (const [label, options, prefix] of cases) {
    it(`${label}: pages, actions and preflights there carry none, other routes keep theirs`, async () => {
      const t = await start(options);
      const origin = { origin: 'https://app.example' };
      const preflight = { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
      const page = await t.request(`${prefix}/oauth`, { headers: origin });
      expect(page.status).toBe(200);
      expect(corsHeaders(page)).toEqual([]);
      const token = /token=(\S+)/.exec(await page.text())![1]!;
      const connect = await t.request(`${prefix}/oauth/connect`, {
        method: 'POST',
        headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ server: 'alpha', token }).toString(),
      });
      expect(connect.status).toBe(403); // a foreign Origin, refused by the page's own guard
      expect(corsHeaders(connect)).toEqual([]);
      const callback = await t.request(`${prefix}/oauth/callback?state=x&code=y`, { headers: origin });
      expect(callback.status).toBe(400);
      expect(corsHeaders(callback)).toEqual([]);
      for (const path of [`${prefix}/oauth`, `${prefix}/oauth/connect`, `${prefix}/oauth/disconnect`, `${prefix}/oauth/callback`, `${prefix}/oauth/`, `${prefix}/%6Fauth/connect`]) {
        const res = await t.request(path, { method: 'OPTIONS', headers: preflight });
        expect(res.status, path).not.toBe(204);
        expect(corsHeaders(res), path).toEqual([]);
      }
      expect(t.connected).toEqual([]);

      // Beside it, CORS as configured: a preflight for a tool and the headers on the documents and on a call.
      const toolPreflight = await t.request(`${prefix}/alpha/echo`, { method: 'OPTIONS', headers: preflight });
      expect(toolPreflight.status).toBe(204);
      expect(toolPreflight.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
      expect(toolPreflight.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/app\.example)$/);
      const health = await t.request(`${prefix}/healthz`, { headers: origin });
      expect(health.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/app\.example)$/);
      const call = await t.request(`${prefix}/alpha/echo`, { method: 'POST', headers: { ...origin, 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      expect(call.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/app\.example)$/);
      // A server whose name only starts with "oauth" is not under /oauth.
      const near = await t.request(`${prefix}/oauthx/openapi.json`, { headers: origin });
      expect(near.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/app\.example)$/);
    });
  }
});
