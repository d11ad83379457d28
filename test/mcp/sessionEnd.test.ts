import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { endSession } from '../../src/mcp/connect.js';
import { StreamableHttpTransport } from '../../src/mcp/http/streamableHttpTransport.js';
import { mcpHttpFetch } from '../../src/mcp/httpFetch.js';
import type { Manager } from '../../src/mcp/manager.js';
import { startHttpMcpServer, type HttpMcpServer } from '../helpers/httpMcpServer.js';
import { testManager } from './fixtures.js';

const managers: Manager[] = [];
const servers: HttpMcpServer[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: { ignoreDeletes?: boolean } = {}) {
  const s = await startHttpMcpServer(options);
  servers.push(s);
  return s;
}

describe('ending streamable-HTTP sessions', () => {
  it('tells the server its session is over (DELETE) when mcpo stops the server', async () => {
    const upstream = await server();
    const { m } = testManager(managers, {});
    m.start([{ kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [] }]);
    await m.settled();
    expect(m.get('remote')!.status().state).toBe('connected');
    expect(upstream.ended).toEqual([]);
    await m.stop();
    expect(upstream.ended).toHaveLength(1);
    expect(upstream.ended[0]).toMatch(/[0-9a-f-]{36}/);
  });

  it('does not let a server that never answers the DELETE hold up stopping', async () => {
    const upstream = await server({ ignoreDeletes: true });
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHttpTransport(new URL(upstream.url), { fetch: mcpHttpFetch }));
    const started = performance.now();
    await endSession(client, 200);
    expect(performance.now() - started).toBeLessThan(1_500);
    await client.close();
    expect(upstream.ended).toEqual([]);
  });
});
