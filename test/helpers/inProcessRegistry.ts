/**
 * A real ServerRegistry over real in-process MCP servers: each McpServer is connected to a real SDK
 * Client through InMemoryTransport.createLinkedPair(). Tool lists come from client.listTools() and calls
 * go through client.callTool(), so the HTTP layer is exercised against the real protocol.
 *
 * What a real Manager decides on its own (connection state, when to re-list tools) is driven by the
 * test through setState() / refreshTools() / add() / remove(), each of which emits onChange like the
 * Manager does.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { McpoError } from '../../src/errors.js';
import { protocolSignal } from '../../src/mcp/sdkInternals.js';
import type {
  CallOptions,
  CallToolResult,
  ChangeKind,
  ServerHandle,
  ServerRegistry,
  ServerState,
  ServerStatus,
  Tool,
} from '../../src/mcp/types.js';

export interface StateExtras {
  error?: string;
  authorizationUrl?: string;
  nextAttemptAt?: string;
}

class InProcessHandle implements ServerHandle {
  private state: ServerState = 'connected';
  private extras: StateExtras = {};
  private since = new Date().toISOString();
  private toolList: readonly Tool[] = [];

  constructor(
    readonly name: string,
    readonly server: McpServer,
    readonly client: Client,
  ) {}

  status(): ServerStatus {
    return {
      name: this.name,
      state: this.state,
      transport: 'stdio',
      tools: this.tools().length,
      since: this.since,
      ...this.extras,
    };
  }

  tools(): readonly Tool[] {
    return this.state === 'connected' ? this.toolList : [];
  }

  setState(state: ServerState, extras: StateExtras): void {
    this.state = state;
    this.extras = extras;
    this.since = new Date().toISOString();
  }

  async refreshTools(): Promise<void> {
    this.toolList = (await this.client.listTools()).tools;
  }

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    if (this.state === 'needs_authorization') {
      throw new McpoError('NEEDS_AUTHORIZATION', `Server ${this.name} needs authorization`, {
        details: { server: this.name, authorizationUrl: this.extras.authorizationUrl },
      });
    }
    if (this.state !== 'connected') {
      throw new McpoError('SERVER_UNAVAILABLE', `Server ${this.name} is ${this.state}`, {
        details: { server: this.name },
        headers: { 'Retry-After': '5' },
      });
    }
    try {
      const result = await this.client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal && protocolSignal(options.signal),
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      });
      return result as CallToolResult;
    } catch (error) {
      if (options.signal?.aborted) {
        throw new McpoError('CANCELLED', `Call to ${this.name}/${tool} was cancelled`, { cause: error });
      }
      if (error instanceof McpError && error.code === ErrorCode.InvalidParams) {
        throw new McpoError('INVALID_ARGUMENTS', error.message, { cause: error });
      }
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new McpoError('TIMEOUT', error.message, { cause: error });
      }
      throw new McpoError('UPSTREAM_ERROR', error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
}

export class InProcessRegistry implements ServerRegistry {
  private readonly handles = new Map<string, InProcessHandle>();
  private readonly listeners = new Set<(server: string, kind: ChangeKind) => void>();

  get(name: string): ServerHandle | undefined {
    return this.handles.get(name);
  }

  list(): readonly ServerHandle[] {
    return [...this.handles.values()];
  }

  onChange(listener: (server: string, kind: ChangeKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of current onChange subscribers (lets tests check that close() unsubscribes). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Connects a real Client to `server` and serves it under `name`; emits 'added'. */
  async add(name: string, server: McpServer): Promise<void> {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'mcpo-test', version: '0.0.0' });
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    const handle = new InProcessHandle(name, server, client);
    await handle.refreshTools();
    this.handles.set(name, handle);
    this.emit(name, 'added');
  }

  /** Closes the session and forgets the server; emits 'removed'. */
  async remove(name: string): Promise<void> {
    const handle = this.require(name);
    this.handles.delete(name);
    await handle.client.close();
    this.emit(name, 'removed');
  }

  /** Sets the state /healthz and the documents show; emits 'status'. Not-connected servers serve no tools. */
  setState(name: string, state: ServerState, extras: StateExtras = {}): void {
    this.require(name).setState(state, extras);
    this.emit(name, 'status');
  }

  /** Re-lists tools over the real client (e.g. after server.registerTool) and emits 'tools'. */
  async refreshTools(name: string): Promise<void> {
    await this.require(name).refreshTools();
    this.emit(name, 'tools');
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.client.close()));
    this.handles.clear();
  }

  private require(name: string): InProcessHandle {
    const handle = this.handles.get(name);
    if (!handle) throw new Error(`no server ${name} in this registry`);
    return handle;
  }

  private emit(server: string, kind: ChangeKind): void {
    for (const listener of this.listeners) listener(server, kind);
  }
}

/** Builds a registry with every server of `servers` connected. */
export async function createInProcessRegistry(servers: Record<string, McpServer>): Promise<InProcessRegistry> {
  const registry = new InProcessRegistry();
  for (const [name, server] of Object.entries(servers)) await registry.add(name, server);
  return registry;
}

/** A 1×1 transparent PNG. */
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export interface FixtureServerOptions {
  /** Called when the `slow` tool starts running. */
  onSlowStart?: () => void;
  /** Called when the `slow` tool sees its request cancelled (notifications/cancelled). */
  onSlowAbort?: () => void;
}

/**
 * A real McpServer with one tool per behaviour the HTTP layer maps:
 * echo (string arg), add (integer args), ping (no args), fail (isError result), slow (honours abort),
 * weather (structuredContent + outputSchema), image (image content).
 */
export function createFixtureServer(options: FixtureServerOptions = {}): McpServer {
  const server = new McpServer({ name: 'fixture', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes the text back', inputSchema: { text: z.string().describe('What to echo') } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'add',
    { description: 'Adds two integers', inputSchema: { a: z.number().int(), b: z.number().int() } },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  server.registerTool('ping', { description: 'Takes no arguments' }, () => ({
    content: [{ type: 'text', text: 'pong' }],
  }));
  server.registerTool('fail', { description: 'Always reports a tool error' }, () => ({
    isError: true,
    content: [{ type: 'text', text: 'the tool failed on purpose' }],
  }));
  server.registerTool(
    'slow',
    { description: 'Waits, unless cancelled', inputSchema: { ms: z.number().int().optional() } },
    ({ ms }, extra) =>
      new Promise((resolve, reject) => {
        options.onSlowStart?.();
        const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: 'done' }] }), ms ?? 30_000);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          options.onSlowAbort?.();
          reject(new Error('cancelled'));
        });
      }),
  );
  server.registerTool(
    'weather',
    {
      description: 'Structured weather report',
      inputSchema: { city: z.string() },
      outputSchema: { city: z.string(), temperature: z.number(), conditions: z.enum(['sunny', 'rain']) },
    },
    ({ city }) => {
      const report = { city, temperature: 21.5, conditions: 'sunny' as const };
      return { content: [{ type: 'text', text: JSON.stringify(report) }], structuredContent: report };
    },
  );
  server.registerTool('image', { description: 'Returns a tiny PNG' }, () => ({
    content: [{ type: 'image', data: TINY_PNG_BASE64, mimeType: 'image/png' }],
  }));
  return server;
}
