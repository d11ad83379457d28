/**
 * Servers and a client for the streamable-HTTP transport tests: the SDK's real server transport (SSE-framed
 * or JSON answers, the GET stream, resumption with an event store) and small scripted servers for what the
 * SDK's server never does. Everything a test starts is ended by `closeAll` (register it with afterEach).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { StreamableHttpTransport, type StreamableHttpTransportOptions } from '../../src/mcp/http/streamableHttpTransport.js';
import { mcpHttpFetch } from '../../src/mcp/httpFetch.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void> | void;

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

const closers: Array<() => Promise<void>> = [];

/** Ends every server and client the fixtures started, newest first. */
export async function closeAll(): Promise<void> {
  while (closers.length) await closers.pop()!();
}

export async function listen(handle: Handler): Promise<{ url: string; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const http: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    void readJson(req)
      .then((body) => handle(req, res, body))
      .catch(() => res.headersSent || res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { url: `${origin}/mcp`, origin, seen };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** The SDK's real server, stateful, with an `echo` tool and a `resumable` tool that closes its own stream once. */
export async function sdkServer(options: { json?: boolean } = {}) {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const servers: McpServer[] = [];
  const server = await listen(async (req, res, body) => {
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const transport = sessions.get(id);
      if (!transport) return void res.writeHead(404).end('unknown session');
      return transport.handleRequest(req, res, body);
    }
    if (!isInitializeRequest(body)) return void res.writeHead(400).end('no session');
    const mcp = new McpServer({ name: 'sdk', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    mcp.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
    mcp.registerTool('resumable', { inputSchema: {} }, async (_args, extra) => {
      // The server ends this request's stream before answering; the client must resume to get the answer.
      extra.closeSSEStream?.();
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { content: [{ type: 'text', text: 'answered after resuming' }] };
    });
    servers.push(mcp);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
      ...(options.json ? { enableJsonResponse: true } : { eventStore: new InMemoryEventStore(), retryInterval: 10 }),
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  closers.push(async () => {
    for (const mcp of servers) await mcp.close().catch(() => {});
  });
  return { ...server, servers, forgetSessions: () => sessions.clear() };
}

/** A hand-written server: initialize, notifications and tools/list answered plainly; tools/call by `call`. */
export async function scriptedServer(call: (res: ServerResponse, id: unknown) => void) {
  return listen((req, res, body) => {
    if (req.method === 'GET') return void res.writeHead(405).end();
    const message = body as { id?: unknown; method?: string };
    const json = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    if (message.method === 'initialize') return void json({ protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } });
    if (message.id === undefined) return void res.writeHead(202).end();
    if (message.method === 'tools/list') return void json({ tools: [{ name: 't', inputSchema: { type: 'object' } }] });
    call(res, message.id);
  });
}

/** A connected SDK Client over mcpo's transport; `errors` collects what the client's onerror saw. */
export async function connect(url: string, headers: Record<string, string> = {}, options: Partial<StreamableHttpTransportOptions> = {}) {
  const transport = new StreamableHttpTransport(new URL(url), { fetch: mcpHttpFetch, headers, ...options });
  const client = new Client({ name: 'test', version: '1' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  closers.push(() => client.close());
  return { client, transport, errors };
}

export const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
export const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
