/**
 * `"sdkTransport": true`, the escape hatch for a server that misbehaves with mcpo's transports, as an operator uses
 * it: the real CLI with the same servers behind mcpo's transports and behind the SDK's own (the demo stdio server,
 * an SDK streamable-HTTP server, server-everything over SSE), answering the same tool calls alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverything, type RunningEverything } from '../helpers/everything.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { DEMO_SERVER } from '../mcp/fixtures.js';

let dir: string;
let mcpo: McpoProcess;
let ours: HttpMcpServer;
let sdk: HttpMcpServer;
let everything: RunningEverything;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcpo-sdk-transport-'));
  // Both answer a forgotten session as server-everything does (400), not with the spec's 404.
  [ours, sdk, everything] = await Promise.all([
    startHttpMcpServer({ lostSession: 'everything-400' }),
    startHttpMcpServer({ lostSession: 'everything-400' }),
    startEverything('sse'),
  ]);
  const forwarding = { enabled: true, whitelist: ['X-Tenant'] };
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        demo: { command: process.execPath, args: [DEMO_SERVER] },
        'demo-sdk': { command: process.execPath, args: [DEMO_SERVER], sdkTransport: true },
        http: { url: ours.url, client_header_forwarding: forwarding },
        'http-sdk': { url: sdk.url, client_header_forwarding: forwarding, sdkTransport: true },
        sse: { type: 'sse', url: everything.url },
        'sse-sdk': { type: 'sse', url: everything.url, sdkTransport: true },
      },
    }),
  );
  mcpo = await startMcpo(['--config', config, '--port', '0']);
  const deadline = Date.now() + 20_000;
  while (((await (await fetch(`${mcpo.url}/healthz`)).json()) as { status: string }).status !== 'ok') {
    if (Date.now() > deadline) throw new Error(`the servers did not all connect:\n${mcpo.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);

afterAll(async () => {
  await mcpo?.stop('SIGKILL');
  await Promise.all([ours?.close(), sdk?.close(), everything?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const call = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${mcpo.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
};

const CALLS: Record<'demo' | 'http' | 'sse', Array<[tool: string, args: unknown]>> = {
  demo: [
    ['echo', { message: 'héllo ✓' }],
    ['add', { a: 40, b: 2 }],
    ['describe_shape', { shape: { kind: 'rectangle', width: 2, height: 3 } }],
    ['fail', { reason: 'on purpose' }],
    ['add', { a: 'forty', b: 2 }],
  ],
  http: [['echo', { message: 'over streamable HTTP' }]],
  sse: [
    ['echo', { message: 'over SSE' }],
    ['get-sum', { a: 40, b: 2 }],
    ['get-structured-content', { location: 'New York' }],
  ],
};

describe.each(['demo', 'http', 'sse'] as const)('%s through the SDK transport', (server) => {
  it("answers each tool call as through mcpo's transport", async () => {
    for (const [tool, args] of CALLS[server]) {
      const [viaOurs, viaSdk] = await Promise.all([call(`/${server}/${tool}`, args), call(`/${server}-sdk/${tool}`, args)]);
      // server-everything's weather is made up at random for each call: its shape is what must match.
      if (tool === 'get-structured-content') expect(viaSdk).toMatchObject({ status: 200, body: { temperature: expect.any(Number), conditions: expect.any(String) } });
      else expect(viaSdk, `${server}/${tool}`).toEqual(viaOurs);
    }
  });
});

describe('an entry with "sdkTransport": true', () => {
  it('is warned about at start, naming what of mcpo\'s transport does not apply', () => {
    const warnings = mcpo.output().split('\n').filter((line) => line.includes('(sdkTransport)'));
    expect(warnings).toHaveLength(3);
    expect(warnings.find((line) => line.includes('demo-sdk'))).toMatch(/served through the SDK's stdio transport/);
    expect(warnings.find((line) => line.includes('http-sdk'))).toMatch(/served through the SDK's HTTP transports .*300 s/);
    expect(warnings.find((line) => line.includes('sse-sdk'))).toMatch(/served through the SDK's SSE transport .*300 s/);
  });

  it("sends over the global fetch, not mcpo's (its User-Agent), and still forwards the headers the entry lets through", async () => {
    expect(await call('/http-sdk/echo', { message: 'tenant' }, { 'X-Tenant': 'acme', 'X-Other': 'no' })).toEqual({ status: 200, body: 'tenant' });
    const post = sdk.posts.findLast((p) => p.method === 'tools/call');
    expect(post?.headers).toMatchObject({ 'x-tenant': 'acme' });
    expect(post?.headers['x-other']).toBeUndefined();
    expect(post?.headers['user-agent']).not.toBe('mcpo');
    expect(ours.posts.find((p) => p.method === 'tools/call')?.headers['user-agent']).toBe('mcpo');
  });

  it('replaces a session the server forgot (400 "No valid session ID provided") and retries the call on the new one', async () => {
    const before = sdk.counts.initializations;
    sdk.forgetSessions();
    expect(await call('/http-sdk/echo', { message: 'after a restart' })).toEqual({ status: 200, body: 'after a restart' });
    expect(sdk.counts.initializations).toBe(before + 1);
  });

  it('ends the streamable-HTTP session (DELETE) when mcpo stops, and mcpo exits 0', async () => {
    const health = (await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, { state: string; transport: string }> };
    expect(health.servers['http-sdk']).toMatchObject({ state: 'connected', transport: 'streamable-http' });
    expect(await mcpo.stop('SIGTERM')).toBe(0);
    expect(sdk.ended).toHaveLength(1);
  });
});
