/**
 * Real things for OAuth flow tests: the example authorization server + protected MCP server on 127.0.0.1:0,
 * a temporary MCPO_HOME, a Manager with mcpo's OAuth wired in, and "browsers" that approve by fetching
 * the authorization URL (auto-approve) and following the redirect to mcpo's loopback receiver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer, type OAuthExampleServerOptions } from '../../../examples/oauth-server/index.js';
import type { OAuthConfig, RemoteEntry } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log/logger.js';
import { Manager } from '../../../src/mcp/manager.js';
import { run, type Running, type RunOptions } from '../../../src/run.js';
import type { OpenBrowser } from '../../../src/oauth/prompts.js';
import { OAuthSupport, type OAuthDeps, type OAuthEntry } from '../../../src/oauth/setup.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

export async function startServer(options: OAuthExampleServerOptions = {}): Promise<OAuthExampleServer> {
  const server = await startOAuthExampleServer({ port: 0, autoApprove: true, ...options });
  cleanups.push(() => server.close());
  return server;
}

export async function tempHome(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcpo-oauth-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function oauthEntry(url: string, overrides: Partial<RemoteEntry> = {}, oauth: Partial<OAuthConfig> = {}): OAuthEntry {
  return {
    kind: 'streamable-http',
    name: 'secure',
    url,
    headers: {},
    disabledTools: [],
    ...overrides,
    oauth: { callbackPort: 0, useLoopback: true, storageType: 'file', ...oauth },
  } as OAuthEntry;
}

/**
 * A "browser" that opens the URL with fetch, following redirects itself and keeping cookies per host name
 * (not per port, like a real browser): with auto-approve, mcpo's login link leads to the AS, which redirects
 * straight to the callback, which sees the cookie the link set.
 */
export function fetchBrowser(): OpenBrowser & { opened: string[]; jar: CookieJar } {
  const opened: string[] = [];
  const jar = new CookieJar();
  const open = async (url: string) => {
    opened.push(url);
    await (await jar.fetch(url)).text();
  };
  return Object.assign(open, { opened, jar });
}

/** Cookies by host name (ports share them, RFC 6265 §8.5), and a fetch that follows redirects with them. */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  /** Every URL requested, redirects included. */
  readonly visited: string[] = [];

  async fetch(url: string, maxRedirects = 10): Promise<Response> {
    let current = new URL(url);
    for (let i = 0; ; i++) {
      const cookies = this.byHost.get(current.hostname);
      const headers: Record<string, string> = cookies?.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
      this.visited.push(current.href);
      const res = await fetch(current, { redirect: 'manual', headers });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        if (!this.byHost.has(current.hostname)) this.byHost.set(current.hostname, new Map());
        this.byHost.get(current.hostname)!.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location || i >= maxRedirects) return res;
      await res.text();
      current = new URL(location, current);
    }
  }
}

/** Opens mcpo's login link without following it: the authorization URL it leads to (this binds no browser). */
export async function authorizationUrlBehind(link: string): Promise<URL> {
  const res = await fetch(link, { redirect: 'manual' });
  await res.text();
  const location = res.headers.get('location');
  if (!location) throw new Error(`${link} answered ${res.status} without a redirect`);
  return new URL(location);
}

/** A browser that only records the URL (the user has not acted yet). */
export function idleBrowser(): OpenBrowser & { opened: string[] } {
  const opened: string[] = [];
  return Object.assign((url: string) => void opened.push(url), { opened });
}

export interface Terminal {
  output: PassThrough;
  input: PassThrough;
  text(): string;
}

export function terminal(): Terminal {
  const output = new PassThrough();
  const input = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { output, input, text: () => text };
}

export interface Harness {
  support: OAuthSupport;
  term: Terminal;
  deps: OAuthDeps;
}

export function oauthSupport(home: string, openBrowser: OpenBrowser, overrides: Partial<OAuthDeps> = {}): Harness {
  const term = terminal();
  const deps: OAuthDeps = {
    mcpoHome: home,
    logger: silentLogger,
    io: { output: term.output, input: term.input, isTTY: false, openBrowser },
    ...overrides,
  };
  return { support: new OAuthSupport(deps), term, deps };
}

export function startManager(support: OAuthSupport, entries: RemoteEntry[] | Array<RemoteEntry | import('../../../src/config/types.js').ServerEntry>): Manager {
  const manager = new Manager({
    logger: silentLogger,
    parentEnv: {},
    clientInfo: { name: 'mcpo-test', version: '0' },
    backoff: { initialMs: 50, maxMs: 200 },
    transportFor: support.transportFor,
  });
  manager.start(entries);
  cleanups.push(() => manager.stop());
  return manager;
}

export function text(result: { content: unknown }): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('');
}

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** The real fetch, recording what mcpo sends (all of mcpo's OAuth and MCP traffic goes through it). */
export function recordingFetch(): ((url: string | URL, init?: RequestInit) => Promise<Response>) & { requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recorder = async (url: string | URL, init?: RequestInit) => {
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined;
    requests.push({ url: String(url), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body });
    return fetch(url, init);
  };
  return Object.assign(recorder, { requests });
}

export { freePort } from '../../helpers/ports.js';

/** A small HTTP server answering from a table of path → [status, headers, JSON body]; closed after the test. */
export async function documentServer(routes: (origin: string) => Record<string, [number, Record<string, string>, unknown]>): Promise<string> {
  const { createServer } = await import('node:http');
  let origin = '';
  const server = createServer((req, res) => {
    const route = routes(origin)[new URL(req.url ?? '/', origin).pathname];
    req.resume();
    if (!route) return void res.writeHead(404).end();
    res.writeHead(route[0], { 'content-type': 'application/json', ...route[1] }).end(JSON.stringify(route[2]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  origin = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  return origin;
}

type LoopbackDefaults = 'host' | 'parentEnv' | 'info';

/** run() on 127.0.0.1, with an empty parent environment and a fixed title: what every OAuth flow test starts. */
export function runOnLoopback(options: Omit<RunOptions, LoopbackDefaults> & Partial<Pick<RunOptions, LoopbackDefaults>>): Promise<Running> {
  return run({ host: '127.0.0.1', parentEnv: {}, info: { title: 'mcpo', version: '1' }, ...options });
}
