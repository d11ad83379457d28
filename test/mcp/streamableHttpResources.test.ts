/**
 * What mcpo's streamable-HTTP transport leaves behind: connections, timers and the process itself must
 * survive servers that answer oddly (bodies that never end, compressed streams cut by close()).
 */
import type { ServerResponse } from 'node:http';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseTooLargeError } from '../../src/mcp/http/responseBody.js';
import { StreamableHttpTransport } from '../../src/mcp/http/streamableHttpTransport.js';
import { mcpHttpFetch } from '../../src/mcp/httpFetch.js';
import { closeAll, connect, listen, scriptedServer, sse } from './streamableHttpFixtures.js';

afterEach(closeAll);

/** A server that answers initialize, and every notification with `answerNotification` (the spec says 202 and no body). */
async function notificationServer(answerNotification: (res: ServerResponse) => void) {
  return listen((req, res, body) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const message = body as { id?: unknown; method?: string };
    if (message.method === 'initialize') {
      const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'odd', version: '1' } };
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    }
    if (message.id === undefined) return answerNotification(res);
    res.writeHead(400).end();
  });
}

describe('StreamableHttpTransport resources', () => {
  it('does not crash the process when close() cuts a compressed event stream it was given for a notification', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const server = await notificationServer((res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
        const gzip = createGzip();
        gzip.pipe(res);
        gzip.write(': still here\n\n');
        gzip.flush(zlibConstants.Z_SYNC_FLUSH);
      });
      const { client } = await connect(server.url);
      await client.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });

  it('lets go of the connection when a notification is answered with an event stream that never ends', async () => {
    let answered = 0;
    let cut = 0;
    const server = await notificationServer((res) => {
      answered++;
      res.on('close', () => cut++);
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open forever\n\n');
    });
    await connect(server.url);
    expect(answered).toBe(1); // notifications/initialized
    await expect.poll(() => cut, { timeout: 3_000 }).toBe(1);
  });

  it('lets go of the connection when a notification is answered with a long body that keeps coming', async () => {
    let cut = 0;
    const server = await notificationServer((res) => {
      res.on('close', () => cut++);
      res.writeHead(200, { 'content-type': 'text/plain' }).write('x'.repeat(256 * 1024));
    });
    await connect(server.url);
    await expect.poll(() => cut, { timeout: 3_000 }).toBe(1);
  });

  it('fails a call whose answer is larger than maxEventBytes at once, without resuming its stream to fetch it again', async () => {
    const big = `id: 1\ndata: ${'x'.repeat(4096)}\n\n`;
    let resumed = 0;
    const server = await listen((req, res, body) => {
      if (req.method === 'GET') {
        if (req.headers['last-event-id'] === undefined) return void res.writeHead(405).end();
        resumed++;
        return void sse(res).end(big); // the server replays the oversized event after Last-Event-ID 0
      }
      const message = body as { id?: unknown; method?: string };
      if (message.method === 'initialize') {
        const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'big', version: '1' } };
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      sse(res).end(`retry: 10\nid: 0\ndata: \n\n${big}`);
    });
    const { client } = await connect(server.url, {}, { maxEventBytes: 1024 });
    const started = performance.now();
    const error = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.InternalError);
    expect((error as McpError).message).toMatch(/larger than 1024 bytes/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resumed).toBe(0);
  });

  it('fails a call whose JSON answer passes maxEventBytes as soon as it does, and closes its connection', async () => {
    let cut = false;
    const server = await scriptedServer((res) => {
      res.on('close', () => (cut = true));
      res.writeHead(200, { 'content-type': 'application/json' }).write(`{"jsonrpc":"2.0","id":2,"result":{"pad":"${'x'.repeat(4096)}`); // and never ends
    });
    const { client } = await connect(server.url, {}, { maxEventBytes: 1024 });
    const error = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    await expect.poll(() => cut, { timeout: 2_000 }).toBe(true);
  });

  it('fails a call answered with an HTTP error whose body never ends, quoting the start of it', async () => {
    const server = await scriptedServer((res) => void res.writeHead(500, { 'content-type': 'text/plain' }).write(`upstream exploded${' '.repeat(256 * 1024)}`));
    const { client } = await connect(server.url);
    const error = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 5_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(500);
    expect((error as Error).message).toMatch(/upstream exploded/);
  });

  it('sends nothing once closed, and reports nothing: send() rejects with ConnectionClosed', async () => {
    const server = await scriptedServer(() => {});
    for (const started of [true, false]) {
      const transport = new StreamableHttpTransport(new URL(server.url), { fetch: mcpHttpFetch });
      const errors: Error[] = [];
      transport.onerror = (error) => errors.push(error);
      if (started) await transport.start();
      await transport.close();
      const error = await transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.ConnectionClosed);
      expect(errors).toEqual([]);
    }
    expect(server.seen).toEqual([]);
  });

  it('ends on close() a stream it opened before start()', async () => {
    let cut = false;
    const server = await listen((_req, res) => {
      res.on('close', () => (cut = true));
      sse(res).write(': open\n\n');
    });
    const transport = new StreamableHttpTransport(new URL(server.url), { fetch: mcpHttpFetch });
    await transport.resumeStream('1');
    await transport.close();
    await expect.poll(() => cut, { timeout: 2_000 }).toBe(true);
  });

  it('answers a request resumed with a resumption token at once when the server refuses the GET (405)', async () => {
    const server = await scriptedServer(() => {});
    const transport = new StreamableHttpTransport(new URL(server.url), { fetch: mcpHttpFetch });
    const messages: unknown[] = [];
    transport.onmessage = (message) => messages.push(message);
    await transport.start();
    await transport.send({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 't', arguments: {} } }, { resumptionToken: '5' });
    await expect.poll(() => messages).toEqual([{ jsonrpc: '2.0', id: 9, error: expect.objectContaining({ code: ErrorCode.ConnectionClosed }) }]);
    expect(server.seen.map((r) => [r.method, r.headers['last-event-id']])).toEqual([['GET', '5']]);
    await transport.close();
  });

  it('does not turn an exception thrown by its message handler into an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const server = await scriptedServer((res) => sse(res).end(': ends without the answer\n\n'));
      const transport = new StreamableHttpTransport(new URL(server.url), { fetch: mcpHttpFetch });
      const errors: Error[] = [];
      transport.onmessage = () => {
        throw new Error('a bug in the handler');
      };
      transport.onerror = (error) => errors.push(error);
      await transport.start();
      await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 't', arguments: {} } });
      await expect.poll(() => errors.map((e) => e.message)).toContain('a bug in the handler');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      await transport.close();
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('closes the stream of a call that timed out (the SDK sent notifications/cancelled) instead of keeping it open', async () => {
    let cut = false;
    const server = await scriptedServer((res) => {
      res.on('close', () => (cut = true));
      sse(res).write('id: 0\ndata: \n\n'); // primed, then silent
    });
    const { client } = await connect(server.url);
    const error = await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 200 }).catch((e: unknown) => e);
    expect((error as McpError).code).toBe(ErrorCode.RequestTimeout);
    await expect.poll(() => cut, { timeout: 2_000 }).toBe(true);
  });

  it('closes the stream of a call that timed out before the server even sent its headers', async () => {
    let cut = false;
    const server = await scriptedServer((res) => {
      res.on('close', () => (cut = true));
      setTimeout(() => sse(res).write('id: 0\ndata: \n\n'), 400); // headers after the call's timeout, then silence
    });
    const { client } = await connect(server.url);
    await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 200 }).catch(() => {});
    await expect.poll(() => cut, { timeout: 2_000 }).toBe(true);
  });

  it('stops resuming the stream of a call that timed out', async () => {
    let resumed = 0;
    const server = await listen((req, res, body) => {
      const message = body as { id?: unknown; method?: string };
      if (req.method === 'GET') {
        if (req.headers['last-event-id'] === undefined) return void res.writeHead(405).end();
        resumed++;
        return void sse(res).end('retry: 10\nid: 0\ndata: \n\n'); // the server closes the connection; the client polls
      }
      if (message.method === 'initialize') {
        const result = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'poll', version: '1' } };
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      sse(res).end('retry: 10\nid: 0\ndata: \n\n');
    });
    const { client } = await connect(server.url);
    await client.callTool({ name: 't', arguments: {} }, undefined, { timeout: 200 }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = resumed;
    expect(after).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed).toBe(after);
  });
});
