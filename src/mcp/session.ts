/**
 * One MCP client session for one configured server: connect (with the streamable-HTTP → SSE fallback
 * for a url without type), keep the tool list current, and multiplex tool calls over the one session.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ServerEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { mapCallError, unavailable } from './callErrors.js';
import { createTransport, type TransportContext } from './transport.js';
import type { CallOptions, CallToolResult, ServerHandle, ServerState, ServerStatus, Tool, TransportKind } from './types.js';

/** Default per-call timeout when the entry sets none: 60 s, as the SDK's own default. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** How long connecting (spawn + initialize + tools/list) may take before the server is marked failed. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** How many of a stdio child's last stderr lines are kept to explain a failure. */
export const STDERR_LINES_KEPT = 20;

export interface SessionOptions {
  entry: ServerEntry;
  logger: Logger;
  transport: Omit<TransportContext, 'onStderrLine'>;
  clientInfo: { name: string; version: string };
  defaultTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Called after every change the HTTP layer must know about. */
  onChange: (kind: 'tools' | 'status') => void;
  now?: () => Date;
}

export class Session implements ServerHandle {
  readonly name: string;
  private state: ServerState = 'connecting';
  private since: Date;
  private lastError: string | undefined;
  private client: Client | undefined;
  private currentTools: readonly Tool[] = [];
  private transportKind: TransportKind | 'auto';
  private readonly stderrTail: string[] = [];
  private readonly disabled: ReadonlySet<string>;
  private stopping = false;
  /** The client of the connection attempt under way, so a timeout or close() can end it. */
  private attempt: Client | undefined;

  constructor(private readonly options: SessionOptions) {
    this.name = options.entry.name;
    this.since = this.now();
    this.transportKind = options.entry.kind;
    this.disabled = new Set(options.entry.disabledTools);
  }

  status(): ServerStatus {
    return {
      name: this.name,
      state: this.state,
      transport: this.transportKind,
      tools: this.currentTools.length,
      since: this.since.toISOString(),
      ...(this.lastError === undefined ? {} : { error: this.lastError }),
    };
  }

  tools(): readonly Tool[] {
    return this.currentTools;
  }

  /** Connects and lists tools. Never throws: failure is a state, reported in status() and logs. */
  async connect(): Promise<void> {
    this.setState('connecting');
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    try {
      const client = await withTimeout(this.openClient(), timeoutMs, () => {
        // The attempt goes on in the background: close what it opened so no child process is left behind.
        void this.attempt?.close().catch(() => {});
        return new Error(`connecting took longer than ${timeoutMs / 1000} s`);
      });
      if (this.stopping) {
        await client.close();
        return;
      }
      this.client = client;
      await this.refreshTools();
      this.lastError = undefined;
      this.setState('connected');
    } catch (error) {
      await this.client?.close().catch(() => {});
      this.client = undefined;
      if (this.stopping) return;
      this.lastError = this.describe(error);
      this.setState('failed');
    }
  }

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    const client = this.client;
    if (!client || this.state !== 'connected') throw this.notConnectedError();
    const timeoutMs = options.timeoutMs ?? this.options.entry.timeoutMs ?? this.options.defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    try {
      // client.request rather than client.callTool: the proxy passes the server's result through as it is;
      // callTool's client-side outputSchema check would turn a server's bad output into a misleading -32602.
      return (await client.request({ method: 'tools/call', params: { name: tool, arguments: args } }, CallToolResultSchema, {
        timeout: timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      })) as CallToolResult;
    } catch (error) {
      throw mapCallError(error, { server: this.name, tool, timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    const clients = [this.client, this.attempt];
    this.client = undefined;
    await Promise.all(clients.map((client) => client?.close().catch(() => {})));
    this.setState('stopped');
  }

  private async openClient(): Promise<Client> {
    const { entry } = this.options;
    if (entry.kind !== 'auto') return this.connectWith(entry.kind);
    try {
      const client = await this.connectWith('streamable-http');
      this.transportKind = 'streamable-http';
      return client;
    } catch (error) {
      if (!looksLikeLegacySse(error)) throw error;
      this.options.logger.info('server answered like a legacy SSE server; falling back to SSE', { server: this.name });
      const client = await this.connectWith('sse');
      this.transportKind = 'sse';
      return client;
    }
  }

  private async connectWith(kind: TransportKind): Promise<Client> {
    const transport: Transport = createTransport(this.options.entry, kind, {
      ...this.options.transport,
      onStderrLine: (line) => this.recordStderr(line),
    });
    const client = new Client(this.options.clientInfo, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await this.refreshTools().catch((error) =>
        this.options.logger.warn('could not refresh the tool list', { server: this.name, error: this.describe(error) }),
      );
    });
    client.onclose = () => this.handleClose(client);
    this.attempt = client;
    try {
      await client.connect(transport);
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    } finally {
      this.attempt = undefined;
    }
    return client;
  }

  private async refreshTools(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    this.currentTools = tools.filter((tool) => !this.disabled.has(tool.name));
    this.options.onChange('tools');
  }

  private handleClose(client: Client): void {
    if (this.stopping || this.client !== client) return;
    this.client = undefined;
    const tail = this.stderrTail.length ? `; last stderr: ${this.stderrTail.slice(-3).join(' | ')}` : '';
    this.lastError = `connection closed${tail}`;
    this.setState('failed');
  }

  private notConnectedError() {
    const why =
      this.state === 'connecting' ? 'still connecting' : this.state === 'failed' ? `failed: ${this.lastError ?? 'unknown error'}` : this.state;
    return unavailable(this.name, why);
  }

  private recordStderr(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
    this.options.logger.debug('server stderr', { server: this.name, line });
  }

  private describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const tail = this.stderrTail.length ? ` (last stderr: ${this.stderrTail.slice(-3).join(' | ')})` : '';
    return message + tail;
  }

  private setState(state: ServerState): void {
    if (this.state === state && state !== 'connecting') return;
    const previous = this.state;
    this.state = state;
    this.since = this.now();
    if (previous !== state) {
      const fields = { server: this.name, state, ...(state === 'failed' ? { error: this.lastError } : {}) };
      if (state === 'failed') this.options.logger.warn('server state changed', fields);
      else this.options.logger.info('server state changed', fields);
    }
    this.options.onChange('status');
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** A streamable-HTTP POST answered 404/405 (or 400 without a session) is how legacy SSE-only servers respond. */
function looksLikeLegacySse(error: unknown): boolean {
  return error instanceof StreamableHTTPError && typeof error.code === 'number' && [400, 404, 405].includes(error.code);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
