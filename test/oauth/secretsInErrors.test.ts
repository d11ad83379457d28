/**
 * Security review: an authorization server whose error answer echoes the request (a misconfigured proxy,
 * a debug page) put the refresh token, the authorization code, the PKCE verifier and the client secret
 * into the SDK's error message ("Raw body: …"), and from there into logs, /healthz and 503 bodies.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuthConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/log/logger.js';
import { runInteractiveAuthorization } from '../../src/oauth/interactive.js';
import { refreshStoredTokens } from '../../src/oauth/refresh.js';
import { MemoryTokenStore } from '../../src/oauth/store/memoryTokenStore.js';
import { rejection } from './rejection.js';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** An authorization server whose token endpoint answers 400 text/plain with the form it received. */
async function echoingAuthorizationServer() {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/.well-known/oauth-authorization-server') {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata()));
      }
      if (url.pathname === '/token') {
        received.push(body, req.headers.authorization ?? '');
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${body} auth=${req.headers.authorization ?? ''}`);
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const metadata = () => ({
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post'],
  });
  return { origin, received, metadata };
}

function capturingLogger() {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }), text: () => lines.join('\n') };
}

const config = (secret: string): OAuthConfig => ({
  callbackPort: 0,
  useLoopback: false,
  storageType: 'memory',
  clientId: 'confidential',
  clientSecret: secret,
  clientMetadata: { tokenEndpointAuthMethod: 'client_secret_post' },
});

/** Everything the error shows anywhere: message, details and the messages of its causes. */
function everythingShown(err: Error): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message, JSON.stringify((e as { details?: unknown }).details ?? {}));
  return parts.join('\n');
}

describe('secrets in OAuth error messages', () => {
  it('a refresh refused with an echoing body names neither the refresh token nor the client secret, in the error or the log', async () => {
    const as = await echoingAuthorizationServer();
    const store = new MemoryTokenStore();
    await store.save({
      version: 1,
      serverUrl: `${as.origin}/mcp`,
      tokens: { access_token: 'AT-secret-value-1', token_type: 'Bearer', refresh_token: 'RT-secret-value-2', expires_at: 1 },
      discovery: { authorizationServerUrl: as.origin, authorizationServerMetadata: as.metadata(), fetchedAt: 1 },
    });
    const log = capturingLogger();
    const err = await rejection(
      refreshStoredTokens({
        store, config: config('CS-secret-value-3'), fetch: (u, i) => fetch(u, i), now: Date.now, sleep: async () => {}, logger: log.logger, serverName: 's',
        retry: { attempts: 2 },
      }),
    );
    expect(as.received.join(' ')).toContain('RT-secret-value-2'); // the server did get them: the echo is real
    const shown = `${everythingShown(err)}\n${log.text()}`;
    expect(shown).toContain('HTTP 400');
    for (const secret of ['RT-secret-value-2', 'CS-secret-value-3', 'AT-secret-value-1']) expect(shown).not.toContain(secret);
  });

  it('a code exchange refused with an echoing body names neither the code, the PKCE verifier nor the client secret', async () => {
    const as = await echoingAuthorizationServer();
    const input = new PassThrough();
    const output = new PassThrough();
    // The copy/paste URL goes to the terminal only: the user pastes a code once the prompt appears.
    output.on('data', (chunk: Buffer) => void (String(chunk).startsWith('Paste') && input.write('CODE-secret-value-5\n')));
    const log = capturingLogger();
    const flow = runInteractiveAuthorization({
      serverName: 's', serverUrl: `${as.origin}/mcp`, config: config('CS-secret-value-4'), store: new MemoryTokenStore(),
      identity: { serverUrl: `${as.origin}/mcp`, clientIdentity: 'confidential' }, fetch: (u, i) => fetch(u, i), now: Date.now,
      io: { input, output, isTTY: true, openBrowser: () => {} }, logger: log.logger, reason: 'test',
    });
    const err = await rejection(flow);
    const form = new URLSearchParams(as.received[0]);
    const verifier = form.get('code_verifier')!;
    expect(verifier.length).toBeGreaterThan(40);
    const shown = `${everythingShown(err)}\n${log.text()}`;
    expect(shown).toContain('HTTP 400');
    for (const secret of ['CODE-secret-value-5', verifier, 'CS-secret-value-4']) expect(shown).not.toContain(secret);
  });
});
