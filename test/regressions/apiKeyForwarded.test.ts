// Review: with --api-key, the only Authorization a REST request can carry past mcpo's auth is mcpo's own key. A
// whitelist naming Authorization therefore sends mcpo's API key to the remote (third-party) MCP server, silently.
import { afterEach, expect, it } from 'vitest';
import type { RemoteEntry } from '../../src/config/types.js';
import { run } from '../../src/run.js';
import { startHttpMcpServer } from '../helpers/httpMcpServer.js';
import { capturingLogger } from '../helpers/logs.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

it("mcpo's own API key never reaches the remote server, even with Authorization on the allow-list", async () => {
  const upstream = await startHttpMcpServer();
  cleanup.push(() => upstream.close());
  const logger = capturingLogger();
  const entry: RemoteEntry = { kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [], headerForwarding: { allow: ['authorization', 'x-openwebui-*'], deny: [], logNames: false } };
  const running = await run({ servers: [entry], host: '127.0.0.1', port: 0, logger, parentEnv: process.env, info: { title: 't', version: '1' }, apiKey: 'mcpo-secret-key' });
  cleanup.unshift(() => running.close());
  await running.manager.settled();
  const res = await fetch(`${running.url}/remote/echo`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer mcpo-secret-key' }, body: '{"message":"hi"}' });
  expect(res.status).toBe(200);
  const sent = upstream.posts.filter((p) => p.method === 'tools/call').map((p) => p.headers.authorization);
  expect(sent).toEqual([undefined]);
}, 15_000);
