/**
 * client_header_forwarding through the real listener to a real streamable-HTTP MCP server: what a REST client's
 * headers become upstream. Open WebUI's user headers (ENABLE_FORWARD_USER_INFO_HEADERS) are the worked example.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteEntry } from '../../src/config/types.js';
import { run, type Running } from '../../src/run.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { capturingLogger } from '../helpers/logs.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

const OPEN_WEBUI_HEADERS = {
  'X-OpenWebUI-User-Id': 'u-123',
  'X-OpenWebUI-User-Email': 'ada@example.com',
  'X-OpenWebUI-User-Name': 'Ada',
  'X-OpenWebUI-User-Role': 'user',
  'X-OpenWebUI-Chat-Id': 'chat-9',
};

async function proxy(forwarding: RemoteEntry['headerForwarding'], extra: Partial<RemoteEntry> = {}, apiKey?: string) {
  const upstream = await startHttpMcpServer();
  cleanup.push(() => upstream.close());
  const entry: RemoteEntry = { kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [], headerForwarding: forwarding, ...extra };
  const running: Running = await run({
    servers: [entry],
    host: '127.0.0.1',
    port: 0,
    logger: capturingLogger(),
    parentEnv: process.env,
    info: { title: 'forwarding', version: '1' },
    ...(apiKey ? { apiKey } : {}),
  });
  cleanup.unshift(() => running.close());
  await running.manager.settled();
  return { upstream, url: running.url };
}

const echo = (url: string, headers: Record<string, string>, message = 'hi') =>
  fetch(`${url}/remote/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message }) });

const callHeaders = (upstream: HttpMcpServer) => upstream.posts.filter((p) => p.method === 'tools/call').map((p) => p.headers);

describe('client_header_forwarding', () => {
  it("passes Open WebUI's user headers on with the call, and only with the call", async () => {
    const { upstream, url } = await proxy({ allow: ['x-openwebui-*'], deny: [], logNames: false });
    expect((await echo(url, OPEN_WEBUI_HEADERS)).status).toBe(200);
    const [sent] = callHeaders(upstream);
    expect(sent).toMatchObject({
      'x-openwebui-user-id': 'u-123',
      'x-openwebui-user-email': 'ada@example.com',
      'x-openwebui-user-name': 'Ada',
      'x-openwebui-user-role': 'user',
      'x-openwebui-chat-id': 'chat-9',
    });
    for (const post of upstream.posts.filter((p) => p.method !== 'tools/call')) expect(post.headers['x-openwebui-user-id']).toBeUndefined();
  });

  it('the deny list wins over the allow list; headers of this hop are never forwarded', async () => {
    const { upstream, url } = await proxy({ allow: ['*'], deny: ['x-openwebui-user-email'], logNames: false });
    expect((await echo(url, { ...OPEN_WEBUI_HEADERS, 'X-Trace': 't1' })).status).toBe(200);
    const [sent] = callHeaders(upstream);
    expect(sent!['x-openwebui-user-email']).toBeUndefined();
    expect(sent!['x-trace']).toBe('t1');
    expect(sent!.host).toBe(new URL(upstream.url).host);
    expect(sent!['content-type']).toBe('application/json');
  });

  it('a forward-everything list does not leak Authorization (the mcpo API key) or Cookie', async () => {
    const { upstream, url } = await proxy({ allow: ['*'], deny: [], logNames: false }, {}, 'mcpo-secret-key');
    const res = await echo(url, { Authorization: 'Bearer mcpo-secret-key', Cookie: 'session=abc', 'X-OpenWebUI-User-Id': 'u-1' });
    expect(res.status).toBe(200);
    const [sent] = callHeaders(upstream);
    expect(sent!.authorization).toBeUndefined();
    expect(sent!.cookie).toBeUndefined();
    expect(sent!['x-openwebui-user-id']).toBe('u-1');
  });

  it('Authorization named explicitly is forwarded; a configured header is never overridden', async () => {
    const { upstream, url } = await proxy({ allow: ['authorization', 'x-tenant'], deny: [], logNames: false }, { headers: { 'X-Tenant': 'configured' } });
    expect((await echo(url, { Authorization: 'Bearer user-token', 'X-Tenant': 'evil' })).status).toBe(200);
    const [sent] = callHeaders(upstream);
    expect(sent!.authorization).toBe('Bearer user-token');
    expect(sent!['x-tenant']).toBe('configured');
  });

  it('concurrent calls each carry their own caller\'s headers', async () => {
    const { upstream, url } = await proxy({ allow: ['x-openwebui-user-id'], deny: [], logNames: false });
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const answers = await Promise.all(users.map((user) => echo(url, { 'X-OpenWebUI-User-Id': user }, user)));
    expect(answers.map((a) => a.status)).toEqual(users.map(() => 200));
    const seen = upstream.posts
      .filter((p) => p.method === 'tools/call')
      .map((p) => p.headers['x-openwebui-user-id'])
      .sort();
    expect(seen).toEqual([...users].sort());
    expect(upstream.runs.get('echo')).toBe(users.length);
  });

  it("a session replaced during a call is not initialized with that caller's headers", async () => {
    const { upstream, url } = await proxy({ allow: ['x-openwebui-*'], deny: [], logNames: false });
    upstream.forgetSessions();
    expect((await echo(url, OPEN_WEBUI_HEADERS)).status).toBe(200);
    const inits = upstream.posts.filter((p) => p.method === 'initialize' || p.method === 'notifications/initialized');
    expect(inits.length).toBeGreaterThanOrEqual(4);
    for (const init of inits) expect(init.headers['x-openwebui-user-id']).toBeUndefined();
    expect(callHeaders(upstream).every((h) => h['x-openwebui-user-id'] === 'u-123')).toBe(true);
  });

  it('without forwarding configured, nothing of the REST request reaches the server', async () => {
    const { upstream, url } = await proxy(undefined);
    expect((await echo(url, OPEN_WEBUI_HEADERS)).status).toBe(200);
    expect(callHeaders(upstream)[0]!['x-openwebui-user-id']).toBeUndefined();
  });
});
