/**
 * Issue #14 (second review): an authorization server's answers are read at most 1 MiB deep, decompressed.
 * Before, a metadata document, registration or token answer that never ended (or a small gzip body that
 * inflated to many megabytes) was read whole into memory, and an endless resource metadata document was
 * taken for "no metadata" once it failed.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthAnswerTooLargeError } from '../../src/oauth/errors.js';
import { DEFAULT_OAUTH_ANSWER_MAX_BYTES, withAnswerLimit } from '../../src/oauth/requestLimits.js';
import { fetchBrowser, oauthEntry, oauthSupport, tempHome } from './flows/harness.js';

const MiB = 1024 * 1024;
/** What a hostile endpoint sends when nobody stops it: far past the limit, so reading it whole shows. */
const ENDLESS_BYTES = 96 * MiB;
/** A gzip body of a few hundred KB that inflates to 64 MiB of JSON. */
const BOMB = gzipSync(Buffer.from(`{"issuer":"${'a'.repeat(64 * MiB)}"}`), { level: 9 });

type Hostility = 'endless' | 'bomb';

interface Sent {
  bytes: number;
  /** The client closed the connection before the body ended. */
  cutShort: boolean;
  done: Promise<void>;
}

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** Writes JSON-looking bytes until ENDLESS_BYTES or until the client goes away, minding backpressure. */
function sendEndless(res: ServerResponse): Sent {
  const sent: Sent = { bytes: 0, cutShort: false, done: Promise.resolve() };
  const chunk = Buffer.alloc(64 * 1024, 'a');
  sent.done = new Promise((resolve) => {
    res.on('close', () => {
      sent.cutShort = !res.writableFinished;
      resolve();
    });
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"issuer":"');
  const pump = () => {
    while (sent.bytes < ENDLESS_BYTES && !res.destroyed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('"}');
  };
  pump();
  return sent;
}

function sendBomb(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(BOMB.length) });
  res.end(BOMB);
}

/**
 * A protected MCP server and its authorization server on one origin, all of whose answers are sound except
 * `hostile`'s: the one at that path never ends or is a gzip bomb.
 */
async function hostileServer(hostile: { path: string; how: Hostility }): Promise<{ origin: string; sent: Sent[] }> {
  const sent: Sent[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (url.pathname === hostile.path) {
        if (hostile.how === 'endless') sent.push(sendEndless(res));
        else sendBomb(res);
        return;
      }
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      switch (url.pathname) {
        case '/mcp':
          return json(401, {}, { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` });
        case '/.well-known/oauth-protected-resource/mcp':
          return json(200, { resource: `${origin}/mcp`, authorization_servers: [origin] });
        case '/.well-known/oauth-authorization-server':
          return json(200, {
            issuer: origin,
            authorization_endpoint: `${origin}/authorize`,
            token_endpoint: `${origin}/token`,
            registration_endpoint: `${origin}/register`,
            response_types_supported: ['code'],
            code_challenge_methods_supported: ['S256'],
          });
        case '/register':
          return json(201, { ...JSON.parse(body), client_id: 'hostile-client' });
        case '/authorize': {
          const back = new URL(url.searchParams.get('redirect_uri')!);
          back.searchParams.set('code', 'the-code');
          back.searchParams.set('state', url.searchParams.get('state')!);
          return void res.writeHead(302, { location: back.href }).end();
        }
        case '/token':
          return json(200, { access_token: 'token', token_type: 'Bearer', expires_in: 3600 });
        default:
          return void res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, sent };
}

/** The highest heap + array buffer use above the starting point while `run` runs, sampled every few ms. */
async function peakGrowth(run: () => Promise<unknown>): Promise<number> {
  const use = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const start = use();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, use())), 2);
  try {
    await run();
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, use());
  }
  return peak - start;
}

describe('answers of an authorization server are cut at 1 MiB', () => {
  it('an endless body: the read fails naming the URL, the connection is closed, memory stays flat', async () => {
    const { origin, sent } = await hostileServer({ path: '/.well-known/oauth-authorization-server', how: 'endless' });
    const fetch = withAnswerLimit((url, init) => globalThis.fetch(url, init));
    let error: unknown;
    const growth = await peakGrowth(async () => {
      const response = await fetch(`${origin}/.well-known/oauth-authorization-server?tenant=secret`);
      error = await response.json().catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(OAuthAnswerTooLargeError);
    const tooLarge = error as OAuthAnswerTooLargeError;
    expect(tooLarge.code).toBe('OAUTH_ERROR');
    expect(tooLarge.reason).toBe('answer_too_large');
    expect(tooLarge.message).toContain(`${origin}/.well-known/oauth-authorization-server`);
    expect(tooLarge.message).not.toContain('secret');
    expect(tooLarge.maxBytes).toBe(DEFAULT_OAUTH_ANSWER_MAX_BYTES);
    await sent[0]!.done;
    expect(sent[0]!.cutShort).toBe(true);
    // Socket buffers on loopback hold a few MB at most; reading it all would be 96 MiB.
    expect(sent[0]!.bytes).toBeLessThan(16 * MiB);
    expect(growth).toBeLessThan(24 * MiB);
  });

  it('a gzip bomb: counted after decompression, so 64 MiB of inflated JSON is never held', async () => {
    const { origin } = await hostileServer({ path: '/token', how: 'bomb' });
    expect(BOMB.length).toBeLessThan(DEFAULT_OAUTH_ANSWER_MAX_BYTES);
    const fetch = withAnswerLimit((url, init) => globalThis.fetch(url, init));
    let error: unknown;
    const growth = await peakGrowth(async () => {
      error = await (await fetch(`${origin}/token`, { method: 'POST' })).text().catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(OAuthAnswerTooLargeError);
    expect((error as Error).message).toContain(`${origin}/token`);
    expect(growth).toBeLessThan(24 * MiB);
  });

  it('leaves an answer under the limit, its status, headers and url as they were', async () => {
    const { origin } = await hostileServer({ path: '/nowhere', how: 'endless' });
    const response = await withAnswerLimit((url, init) => globalThis.fetch(url, init))(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect([response.status, response.headers.get('content-type'), response.url]).toEqual([200, 'application/json', `${origin}/.well-known/oauth-protected-resource/mcp`]);
    expect(await response.json()).toEqual({ resource: `${origin}/mcp`, authorization_servers: [origin] });
  });

  const endpoints: Array<[string, string, Hostility]> = [
    ['protected resource metadata', '/.well-known/oauth-protected-resource/mcp', 'endless'],
    ['authorization server metadata', '/.well-known/oauth-authorization-server', 'bomb'],
    ['dynamic client registration', '/register', 'endless'],
    ['token endpoint', '/token', 'bomb'],
  ];
  it.each(endpoints)('%s at %s, %s: the login fails with OAuthAnswerTooLargeError naming it', async (_what, path, how) => {
    const { origin } = await hostileServer({ path, how });
    const { support } = oauthSupport(await tempHome(), fetchBrowser());
    const auth = support.forEntry(oauthEntry(`${origin}/mcp`))!;
    let error: unknown;
    const growth = await peakGrowth(async () => {
      const preparation = await auth.prepare();
      expect(preparation.ready).toBe(false);
      error = await (preparation as { completion: Promise<void> }).completion.catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(OAuthAnswerTooLargeError);
    expect((error as Error).message).toContain(`${origin}${path}`);
    expect(growth).toBeLessThan(48 * MiB);
  }, 30_000);
});
