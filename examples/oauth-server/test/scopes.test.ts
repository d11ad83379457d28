import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthExampleServer } from '../index.js';
import { obtainTokens, postMcp, startServer, toolCall } from './helpers.js';

const STATIC = { client_id: 'scoped', redirect_uris: ['http://127.0.0.1:9/callback'], token_endpoint_auth_method: 'none' };

async function connect(server: OAuthExampleServer, token: string): Promise<Client> {
  const client = new Client({ name: 'scope-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

function challengeParams(res: Response): Record<string, string> {
  const header = res.headers.get('www-authenticate') ?? '';
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('scopes decided per JSON-RPC method', () => {
  it('answers tools/list without tools:list with 403 insufficient_scope', async () => {
    const server = await startServer({ clients: [STATIC] });
    const { access_token } = server.issueTokens({ clientId: 'scoped', scopes: ['tools:execute'] });
    const res = await postMcp(server, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, access_token);
    expect(res.status).toBe(403);
    expect(challengeParams(res)).toMatchObject({
      error: 'insufficient_scope',
      scope: 'tools:list tools:execute',
      resource_metadata: `${server.url}/.well-known/oauth-protected-resource/mcp`,
    });
  });

  it('answers stock_price without the finance scope with 403 naming tools:execute:finance', async () => {
    const server = await startServer({ clients: [STATIC] });
    const { access_token } = server.issueTokens({ clientId: 'scoped' });
    const res = await postMcp(server, toolCall('stock_price', { symbol: 'AAPL' }), access_token);
    expect(res.status).toBe(403);
    const params = challengeParams(res);
    expect(params.error).toBe('insufficient_scope');
    // Granted scopes plus the missing one, so an SDK 1.x client re-authorizing with it keeps tools:list.
    expect(params.scope).toBe('tools:list tools:execute tools:execute:finance');
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope', scope: 'tools:list tools:execute tools:execute:finance' });
  });

  it('names only the needed scopes in the challenge when configured for required-only', async () => {
    const server = await startServer({ clients: [STATIC], scopeChallenge: 'required-only' });
    const { access_token } = server.issueTokens({ clientId: 'scoped' });
    const res = await postMcp(server, toolCall('stock_price', { symbol: 'AAPL' }), access_token);
    expect(challengeParams(res).scope).toBe('tools:execute tools:execute:finance');
  });

  it('checks every message of a batch', async () => {
    const server = await startServer({ clients: [STATIC] });
    const { access_token } = server.issueTokens({ clientId: 'scoped' });
    const res = await postMcp(server, [toolCall('echo', { message: 'x' }), toolCall('stock_price', { symbol: 'MSFT' })], access_token);
    expect(res.status).toBe(403);
  });

  it('refuses echo to a token that may only list tools', async () => {
    const server = await startServer({ clients: [STATIC] });
    const { access_token } = server.issueTokens({ clientId: 'scoped', scopes: ['tools:list'] });
    expect((await postMcp(server, toolCall('echo', { message: 'hi' }), access_token)).status).toBe(403);
  });

  it('serves the baseline tools and, with the finance scope, stock_price through a real MCP client', async () => {
    const server = await startServer({ clients: [STATIC] });
    const baseline = await connect(server, server.issueTokens({ clientId: 'scoped' }).access_token);
    expect((await baseline.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'stock_price', 'sum', 'whoami']);
    expect((await baseline.callTool({ name: 'sum', arguments: { a: 2, b: 40 } })).structuredContent).toEqual({ result: 42 });
    await expect(baseline.callTool({ name: 'stock_price', arguments: { symbol: 'AAPL' } })).rejects.toMatchObject({ code: 403 });
    await baseline.close();

    const finance = await connect(
      server,
      server.issueTokens({ clientId: 'scoped', scopes: ['tools:list', 'tools:execute', 'tools:execute:finance'] }).access_token,
    );
    const quote = await finance.callTool({ name: 'stock_price', arguments: { symbol: 'aapl' } });
    expect(quote.isError).toBeFalsy();
    expect(quote.structuredContent).toEqual({ symbol: 'AAPL', price: 189.84, currency: 'USD' });
    const unknown = await finance.callTool({ name: 'stock_price', arguments: { symbol: 'NOPE' } });
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toContain('Unknown symbol');
    await finance.close();
  });

  it('gives the finance scope through the real authorization flow when the client asks for it', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server, { scope: 'tools:list tools:execute tools:execute:finance', resource: server.mcpUrl });
    const client = await connect(server, tokens.access_token);
    expect((await client.callTool({ name: 'stock_price', arguments: { symbol: 'NVDA' } })).structuredContent).toMatchObject({ price: 120.88 });
    await client.close();
  });
});

describe('tokens bound to a resource (RFC 8707)', () => {
  it('refuses a token bound to /sse on /mcp with 401 invalid_token', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server, { resource: server.sseUrl });
    const res = await postMcp(server, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token);
    expect(res.status).toBe(401);
    expect(challengeParams(res).error).toBe('invalid_token');
  });

  it('accepts a token bound to the origin on both transports', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server, { resource: `${server.url}/` });
    expect((await postMcp(server, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token)).status).toBe(400);
    const controller = new AbortController();
    const sse = await fetch(server.sseUrl, { headers: { authorization: `Bearer ${tokens.access_token}` }, signal: controller.signal });
    expect(sse.status).toBe(200);
    controller.abort();
  });
});
