import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { OAuthExampleServer } from '../index.js';
import { obtainTokens, startServer } from './helpers.js';

const ALL_SCOPES = 'tools:list tools:execute tools:execute:finance';

async function exerciseTools(client: Client): Promise<void> {
  expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['echo', 'stock_price', 'sum', 'whoami']);
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'héllo' } });
  expect(echo.structuredContent).toEqual({ message: 'héllo' });
  expect(echo.content).toEqual([{ type: 'text', text: 'héllo' }]);
  expect((await client.callTool({ name: 'sum', arguments: { a: 1.5, b: -4 } })).structuredContent).toEqual({ result: -2.5 });
  expect((await client.callTool({ name: 'stock_price', arguments: { symbol: 'MSFT' } })).structuredContent).toEqual({
    symbol: 'MSFT',
    price: 415.5,
    currency: 'USD',
  });
}

function initializeBody(): unknown {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
}

async function openRawSession(server: OAuthExampleServer, token: string): Promise<string> {
  const res = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify(initializeBody()),
  });
  expect(res.status).toBe(200);
  await res.text();
  const sessionId = res.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('no session id');
  return sessionId;
}

function pingInSession(server: OAuthExampleServer, token: string, sessionId: string): Promise<Response> {
  return fetch(server.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
  });
}

describe('MCP over both transports with a bearer token', () => {
  it('serves echo, sum and stock_price to the SDK client over streamable HTTP', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server, { scope: ALL_SCOPES, resource: server.mcpUrl });
    const client = new Client({ name: 'streamable-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } } }),
    );
    expect(server.sessionCounts().streamableHttp).toBe(1);
    await exerciseTools(client);
    await client.close();
  });

  it('serves the same tools to the SDK client over legacy SSE', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server, { scope: ALL_SCOPES, resource: server.sseUrl });
    const client = new Client({ name: 'sse-test', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL(server.sseUrl), { requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } } }),
    );
    expect(server.sessionCounts().sse).toBe(1);
    await exerciseTools(client);
    await client.close();
  });

  it('refuses SSE messages carrying a token without the needed scope, before they reach the session', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server, { resource: server.sseUrl });
    const client = new Client({ name: 'sse-scope-test', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL(server.sseUrl), { requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } } }),
    );
    // The SDK's SSE transport reports HTTP failures as a plain Error; its message is all there is to check.
    await expect(client.callTool({ name: 'stock_price', arguments: { symbol: 'AAPL' } })).rejects.toThrow(/HTTP 403.*insufficient_scope/);
    expect(await client.callTool({ name: 'echo', arguments: { message: 'still fine' } })).toMatchObject({
      structuredContent: { message: 'still fine' },
    });
    await client.close();
  });
});

describe('MCP sessions', () => {
  it('answers 404 for a streamable-HTTP session the server forgot, so the client must initialize again', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server);
    const sessionId = await openRawSession(server, tokens.access_token);
    expect((await pingInSession(server, tokens.access_token, sessionId)).status).toBe(200);

    expect(await server.forgetSessions()).toBe(1);
    expect(server.sessionCounts()).toEqual({ streamableHttp: 0, sse: 0 });
    const res = await pingInSession(server, tokens.access_token, sessionId);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: -32001 } });
    expect(await openRawSession(server, tokens.access_token)).not.toBe(sessionId);
  });

  it('hides a session from a client that did not open it', async () => {
    const server = await startServer({ autoApprove: true });
    const owner = await obtainTokens(server);
    const other = await obtainTokens(server);
    const sessionId = await openRawSession(server, owner.tokens.access_token);
    expect((await pingInSession(server, other.tokens.access_token, sessionId)).status).toBe(404);
    expect((await pingInSession(server, owner.tokens.access_token, sessionId)).status).toBe(200);
  });
});
