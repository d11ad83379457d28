/**
 * mcpo's streamable-HTTP client transport against the SDK's real server transport (SSE-framed and JSON
 * answers, the GET stream, resumption with an event store), and against small scripted servers for what
 * the SDK's server never does (a stream ending without the answer, a bad event, redirects).
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { NotJsonRpcError } from '../../src/mcp/jsonRpcMessage.js';
import { StreamableHttpTransport } from '../../src/mcp/http/streamableHttpTransport.js';
import { mcpHttpFetch } from '../../src/mcp/httpFetch.js';
import { closeAll, connect, event, listen, scriptedServer, sdkServer, sse } from './streamableHttpFixtures.js';

afterEach(closeAll);

describe('StreamableHttpTransport', () => {
  it('calls tools over SSE-framed answers, sending the session id, the protocol version and the configured headers', async () => {
    const server = await sdkServer();
    const { client, transport } = await connect(server.url, { 'X-Team': 'blue' });
    expect(await client.callTool({ name: 'echo', arguments: { message: 'über ✓' } })).toMatchObject({ content: [{ type: 'text', text: 'über ✓' }] });
    expect(transport.sessionId).toMatch(/[0-9a-f-]{36}/);
    const call = server.seen.filter((r) => r.method === 'POST').at(-1)!;
    expect(call.headers).toMatchObject({ 'mcp-session-id': transport.sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION, 'x-team': 'blue' });
    expect(server.seen.every((r) => r.headers['x-team'] === 'blue')).toBe(true);
  });

  it('calls tools when the server answers with plain JSON', async () => {
    const server = await sdkServer({ json: true });
    const { client } = await connect(server.url);
    expect(await client.callTool({ name: 'echo', arguments: { message: 'json' } })).toMatchObject({ content: [{ text: 'json' }] });
  });

  it('calls tools on a server whose JSON answers start with a byte-order mark', async () => {
    const server = await scriptedServer((res, id) => {
      const answer = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'bom' }] } });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(`\ufeff${answer}`);
    });
    const { client } = await connect(server.url);
    expect(await client.callTool({ name: 't', arguments: {} })).toMatchObject({ content: [{ text: 'bom' }] });
  });

  it('receives what the server sends on its GET stream (tools/list_changed)', async () => {
    const server = await sdkServer();
    const { client } = await connect(server.url);
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, async () => resolve()));
    await expect.poll(() => server.seen.some((r) => r.method === 'GET')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the GET stream's headers reach the client
    server.servers[0]!.registerTool('late', { inputSchema: {} }, async () => ({ content: [] }));
    await changed;
  });

  it('does not read a GET answer that is not an event stream as one, nor poll it again and again', async () => {
    const server = await listen((req, res, body) => {
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>use POST</p>');
      const message = body as { id?: unknown; method?: string };
      if (message.id === undefined) return void res.writeHead(202).end();
      const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, serverInfo: { name: 'html', version: '1' } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
    const fast = { initialDelayMs: 10, maxDelayMs: 10, growFactor: 1, maxRetries: 2 };
    const { errors } = await connect(server.url, {}, { reconnection: fast });
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.seen.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StreamableHTTPError);
    expect(errors[0]!.message).toMatch(/text\/html/);
  });

  it('waits as long as a huge retry field says before reopening the GET stream, not 1 ms (timer overflow)', async () => {
    const server = await listen((req, res, body) => {
      if (req.method === 'GET') return void sse(res).end('retry: 9999999999999\n\n');
      const message = body as { id?: unknown; method?: string };
      if (message.id === undefined) return void res.writeHead(202).end();
      const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, serverInfo: { name: 'patient', version: '1' } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
    const warnings: Error[] = [];
    const record = (warning: Error) => warnings.push(warning);
    process.on('warning', record);
    try {
      await connect(server.url);
      await expect.poll(() => server.seen.some((r) => r.method === 'GET')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(server.seen.filter((r) => r.method === 'GET')).toHaveLength(1);
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    } finally {
      process.off('warning', record);
    }
  });

  it('resumes a call whose stream the server closed early (Last-Event-ID) and returns its answer', async () => {
    const server = await sdkServer();
    const { client } = await connect(server.url);
    expect(await client.callTool({ name: 'resumable', arguments: {} })).toMatchObject({ content: [{ text: 'answered after resuming' }] });
    expect(server.seen.some((r) => r.method === 'GET' && typeof r.headers['last-event-id'] === 'string')).toBe(true);
  });

  it('fails a call at once when its stream ends without the answer and cannot be resumed', async () => {
    const server = await scriptedServer((res) => sse(res).end(': nothing to say\n\n'));
    const { client } = await connect(server.url);
    const started = Date.now();
    const error = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.ConnectionClosed);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails a call at once when its JSON answer holds no response to it, quoting an error the server sent without an id', async () => {
    let answer: unknown = { jsonrpc: '2.0', id: 'someone-else', result: {} };
    const server = await scriptedServer((res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    const { client } = await connect(server.url);
    const started = performance.now();
    const stray = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect((stray as McpError).code).toBe(ErrorCode.InternalError);
    answer = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: bad params shape' } };
    const anonymous = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect((anonymous as McpError).code).toBe(-32600);
    expect((anonymous as McpError).message).toMatch(/bad params shape/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports an event that is not JSON-RPC and still delivers the answer after it', async () => {
    const server = await scriptedServer((res, id) => sse(res).end(`data: not json\n\n${event({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } })}`));
    const { client, errors } = await connect(server.url);
    expect(await client.callTool({ name: 't', arguments: {} })).toMatchObject({ content: [{ text: 'ok' }] });
    expect(errors.some((e) => e instanceof NotJsonRpcError)).toBe(true);
  });

  it('reads an answer whose bytes arrive in many small writes', async () => {
    const server = await scriptedServer((res, id) => {
      const text = event({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ünïcødé 𝄞'.repeat(50) }] } });
      const bytes = Buffer.from(text);
      sse(res);
      let at = 0;
      const step = () => {
        if (at >= bytes.length) return void res.end();
        res.write(bytes.subarray(at, at + 7));
        at += 7;
        setImmediate(step);
      };
      step();
    });
    const { client } = await connect(server.url);
    expect(await client.callTool({ name: 't', arguments: {} })).toMatchObject({ content: [{ text: 'ünïcødé 𝄞'.repeat(50) }] });
  });

  it('reports a session the server no longer knows as StreamableHTTPError 404 (what session recovery looks for)', async () => {
    const server = await sdkServer();
    const { client } = await connect(server.url);
    server.forgetSessions();
    const error = await client.callTool({ name: 'echo', arguments: { message: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(404);
  });

  it('follows a redirect within the server origin and names one to another origin instead of following it', async () => {
    const target = await sdkServer();
    // Same origin: /mcp moved to /real, which relays to the SDK server.
    const sameOrigin = await listen(async (req, res, body) => {
      if (req.url === '/mcp') return void res.writeHead(308, { location: '/real' }).end();
      const relayed = await fetch(target.url, { method: req.method ?? 'POST', headers: pick(req.headers), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const headers: Record<string, string> = {};
      relayed.headers.forEach((value, name) => (headers[name] = value));
      res.writeHead(relayed.status, headers);
      if (relayed.body) Readable.fromWeb(relayed.body as WebReadableStream<Uint8Array>).pipe(res);
      else res.end();
    });
    // Another origin: localhost is not 127.0.0.1.
    const elsewhere = await listen((_req, res) => void res.writeHead(307, { location: target.url.replace('127.0.0.1', 'localhost') }).end());
    const { client } = await connect(sameOrigin.url);
    expect(await client.callTool({ name: 'echo', arguments: { message: 'moved' } })).toMatchObject({ content: [{ text: 'moved' }] });
    expect(sameOrigin.seen.some((r) => r.url === '/real' && r.method === 'POST')).toBe(true);

    const reached = target.seen.length;
    const transport = new StreamableHttpTransport(new URL(elsewhere.url), { fetch: mcpHttpFetch });
    const error = await new Client({ name: 'test', version: '1' }).connect(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect(String((error as Error).message)).toMatch(/Redirect to http:\/\/localhost:\d+\/mcp not followed/);
    expect(target.seen.length).toBe(reached);
  });

  it('ends its streams on close() without reporting them as errors', async () => {
    const server = await sdkServer();
    const { client, errors } = await connect(server.url);
    await expect.poll(() => server.seen.some((r) => r.method === 'GET')).toBe(true);
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([]);
  });
});

function pick(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}
