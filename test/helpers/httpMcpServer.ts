/**
 * A real McpServer served over streamable HTTP (stateful sessions) on 127.0.0.1, with the levers the
 * recovery tests need: forget every session (the next request of a client gets 404), count tool runs,
 * add tools at runtime (list_changed), and listen on a chosen port (a server that appears later).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface HttpMcpServer {
  url: string;
  port: number;
  /** How many times each tool ran. */
  runs: Map<string, number>;
  /** Session ids the client ended (DELETE), in order. */
  ended: string[];
  /** The headers of each POST, with its JSON-RPC method (what a proxy forwarded, and what it did not). */
  posts: Array<{ method: string | undefined; headers: IncomingMessage['headers'] }>;
  /** How many sessions were initialized, event-stream GETs and pings came. */
  counts: { initializations: number; gets: number; pings: number };
  /** Ends every session's standalone event stream (the client reconnects it), as a server restart would. */
  endEventStreams(): void;
  /** Drops every session, as a server restart or an expiry would: clients get 404 next. */
  forgetSessions(): void;
  /** Makes every later initialize wait `ms` before it is answered (a server still warming up after a restart). */
  delayInitialize(ms: number): void;
  /** Registers a tool on every live session's server (each sends tools/list_changed). */
  addTool(name: string): void;
  close(): Promise<void>;
}

/**
 * How the server answers a request for a session it does not have, as servers in the field do:
 * - 'spec-404': 404 "Session not found" (the spec; the SDK's own transport for a wrong id);
 * - 'everything-400': 400 "Bad Request: No valid session ID provided" (server-everything's streamableHttp.js);
 * - 'sdk-restarted': a fresh, uninitialized SDK StreamableHTTPServerTransport handles it, as in a server with one
 *   transport that restarted: 400 "Bad Request: Server not initialized";
 * - 'invalid-401': 401 "Invalid or expired session" without an authentication challenge.
 */
export type LostSessionAnswer = 'spec-404' | 'everything-400' | 'sdk-restarted' | 'invalid-401';

export interface HttpMcpServerOptions {
  port?: number;
  ignoreDeletes?: boolean;
  getNotFound?: boolean;
  /** Default 'spec-404'. */
  lostSession?: LostSessionAnswer;
  /** Answer the event-stream GET with 405 (no stream offered), as many stateless-leaning servers do. */
  noEventStream?: boolean;
}

export async function startHttpMcpServer(options: HttpMcpServerOptions = {}): Promise<HttpMcpServer> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  const ended: string[] = [];
  const posts: HttpMcpServer['posts'] = [];
  let initializeDelayMs = 0;
  const counts = { initializations: 0, gets: 0, pings: 0 };
  const runs = new Map<string, number>();
  const extraTools: string[] = [];
  const count = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);

  const registerExtra = (server: McpServer, name: string) =>
    server.registerTool(name, { description: `added at runtime: ${name}`, inputSchema: {} }, async () => {
      count(name);
      return { content: [{ type: 'text', text: name }] };
    });

  const newServer = () => {
    const server = new McpServer({ name: 'test-http', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => {
      count('echo');
      return { content: [{ type: 'text', text: message }] };
    });
    for (const name of extraTools) registerExtra(server, name);
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const sessionId = req.headers['mcp-session-id'];
    if (req.method === 'GET') counts.gets++;
    // A server that offers no event stream and says so with 404 rather than the 405 the spec asks for.
    if (req.method === 'GET' && options.getNotFound) return void res.writeHead(404).end('Cannot GET /mcp');
    if (req.method === 'GET' && options.noEventStream) return void res.writeHead(405, { allow: 'POST, DELETE' }).end();
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const message = body as { method?: string; params?: { name?: string } } | undefined;
    if (message?.method === 'ping') counts.pings++;
    if (req.method === 'POST') posts.push({ method: message?.method, headers: req.headers });
    // A server that dies in the middle of a call: the call may have run, so it must never be retried.
    if (message?.method === 'tools/call' && message.params?.name === 'crash') {
      count('crash');
      return void req.socket.destroy();
    }
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      // A server that never answers a DELETE (how long does stopping wait?).
      if (req.method === 'DELETE' && options.ignoreDeletes) return;
      if (!session) return lostSession(req, res, body);
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      counts.initializations++;
      if (initializeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, initializeDelayMs));
      const server = newServer();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
        onsessionclosed: (id) => {
          ended.push(id);
          sessions.delete(id);
        },
      });
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    res.writeHead(400).end('no session');
  };

  const lostSession = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const json = (status: number, code: number, message: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
    switch (options.lostSession ?? 'spec-404') {
      case 'spec-404':
        return json(404, -32001, 'Session not found');
      case 'everything-400':
        return json(400, -32000, 'Bad Request: No valid session ID provided');
      case 'invalid-401':
        return json(401, -32000, 'Invalid or expired session');
      case 'sdk-restarted': {
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
        await newServer().connect(transport);
        return transport.handleRequest(req, res, body);
      }
    }
  };

  const http: Server = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    runs,
    ended,
    posts,
    counts,
    endEventStreams: () => {
      for (const { transport } of sessions.values()) transport.closeStandaloneSSEStream();
    },
    forgetSessions: () => sessions.clear(),
    delayInitialize: (ms) => void (initializeDelayMs = ms),
    addTool: (name) => {
      extraTools.push(name);
      for (const { server } of sessions.values()) registerExtra(server, name);
    },
    close: async () => {
      for (const { server } of sessions.values()) await server.close().catch(() => {});
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}
