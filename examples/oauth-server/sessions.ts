/**
 * Open MCP sessions of both transports, each bound to the OAuth client that opened it.
 */
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface McpSession<T> {
  transport: T;
  /** Only this client may use the session; others are told it does not exist. */
  clientId: string;
}

export interface SessionCounts {
  streamableHttp: number;
  sse: number;
}

export class McpSessions {
  readonly streamable = new Map<string, McpSession<StreamableHTTPServerTransport>>();
  readonly sse = new Map<string, McpSession<SSEServerTransport>>();

  counts(): SessionCounts {
    return { streamableHttp: this.streamable.size, sse: this.sse.size };
  }

  /**
   * Closes and forgets every session, as a server restart would: the next request naming an old
   * streamable-HTTP session id gets 404 and the client must initialize again. Returns how many were open.
   */
  async forgetAll(): Promise<number> {
    const open = [...this.streamable.values(), ...this.sse.values()];
    this.streamable.clear();
    this.sse.clear();
    await Promise.allSettled(open.map((session) => session.transport.close()));
    return open.length;
  }
}
