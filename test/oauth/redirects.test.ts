/**
 * Security review: mcpo's own OAuth requests outside the SDK (the token revocation of `mcpo auth logout`,
 * the probe of the MCP server) followed redirects to any origin, so a 307 carried the tokens, the client
 * secret or the entry's configured headers (API keys) to whoever the Location named. They now follow
 * redirects only within the origin, like the SDK's own discovery, registration, token and transport requests.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuthConfig } from '../../src/config/types.js';
import { RevocationError } from '../../src/oauth/errors.js';
import { probeServer } from '../../src/oauth/probe.js';
import { revokeStoredTokens } from '../../src/oauth/revoke.js';
import type { StoredAuth } from '../../src/oauth/store/schema.js';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A server answering every request with `answer(path)`: [status, headers]; it records what it received. */
async function server(answer: (path: string, origin: string) => [number, Record<string, string>]) {
  const seen: Seen[] = [];
  let origin = '';
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', origin).pathname;
      seen.push({ path, headers: req.headers, body });
      const [status, headers] = answer(path, origin);
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closers.push(() => s.close());
  origin = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { origin, seen };
}

const config: OAuthConfig = { callbackPort: 0, useLoopback: true, storageType: 'memory', clientId: 'c', clientSecret: 'CLIENT-SECRET', clientMetadata: { tokenEndpointAuthMethod: 'client_secret_post' } };

describe('redirects of requests that carry credentials', () => {
  it('logout does not follow a revocation endpoint redirect to another origin, and reports the failure', async () => {
    const elsewhere = await server(() => [200, {}]);
    const as = await server((path) => (path === '/revoke' ? [307, { location: `${elsewhere.origin}/steal` }] : [404, {}]));
    const stored: StoredAuth = {
      version: 1,
      serverUrl: `${as.origin}/mcp`,
      tokens: { access_token: 'ACCESS', token_type: 'Bearer', refresh_token: 'REFRESH' },
      discovery: {
        authorizationServerUrl: as.origin,
        authorizationServerMetadata: {
          issuer: as.origin, authorization_endpoint: `${as.origin}/a`, token_endpoint: `${as.origin}/t`, response_types_supported: ['code'],
          revocation_endpoint: `${as.origin}/revoke`,
        } as never,
        fetchedAt: 1,
      },
    };
    const err = await revokeStoredTokens(stored, config, (u, i) => fetch(u, i)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RevocationError);
    expect(elsewhere.seen).toEqual([]);
  });

  it('logout still follows a revocation endpoint redirect within the same origin', async () => {
    const as = await server((path) => (path === '/revoke' ? [307, { location: '/revoke2' }] : path === '/revoke2' ? [200, {}] : [404, {}]));
    const stored: StoredAuth = {
      version: 1,
      serverUrl: `${as.origin}/mcp`,
      tokens: { access_token: 'ACCESS', token_type: 'Bearer' },
      discovery: {
        authorizationServerUrl: as.origin,
        authorizationServerMetadata: { issuer: as.origin, authorization_endpoint: `${as.origin}/a`, token_endpoint: `${as.origin}/t`, response_types_supported: ['code'], revocation_endpoint: `${as.origin}/revoke` } as never,
        fetchedAt: 1,
      },
    };
    expect(await revokeStoredTokens(stored, config, (u, i) => fetch(u, i))).toBe('revoked');
    expect(as.seen.find((s) => s.path === '/revoke2')?.body).toContain('token=ACCESS');
  });

  it("the probe does not carry the entry's configured headers to another origin on a redirect", async () => {
    const elsewhere = await server(() => [401, { 'www-authenticate': 'Bearer' }]);
    const mcp = await server(() => [307, { location: `${elsewhere.origin}/mcp` }]);
    const result = await probeServer({ url: `${mcp.origin}/mcp`, kind: 'streamable-http', headers: { 'X-Api-Key': 'API-KEY-SECRET' } }, (u, i) => fetch(u, i));
    expect(elsewhere.seen).toEqual([]);
    expect(result.protected).toBe(false);
  });

  it('the probe follows a redirect within the origin (e.g. /mcp to /mcp/)', async () => {
    const mcp = await server((path) => (path === '/mcp' ? [308, { location: '/mcp/' }] : [401, { 'www-authenticate': 'Bearer scope="read"' }]));
    const result = await probeServer({ url: `${mcp.origin}/mcp`, kind: 'streamable-http', headers: {} }, (u, i) => fetch(u, i));
    expect(result).toEqual({ protected: true, challenge: expect.objectContaining({ scope: 'read' }) });
  });
});
