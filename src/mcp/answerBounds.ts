/**
 * Byte bounds on the answers to particular requests, counted by the transports as the bytes arrive and enforced
 * before any JSON.parse. One so far: a tools/list answer may take at most the server's maxToolListBytes (issue #14).
 * Counted only after parsing (toolList.ts), one page of ~200 MiB of tiny tools (inside the 256 MiB message bound)
 * held mcpo's event loop, every route of every server, for 12-27 s (by the machine's load) and ~2 GB on each
 * reconnect.
 *
 * Two kinds of transport ask here:
 * - one that reads each request's answer on its own (a streamable-HTTP POST's JSON body or event stream) asks
 *   AnswerBounds.of(request) as it sends it, and bounds that answer (every event of its stream);
 * - one whose answers share a stream (stdio lines, a legacy SSE stream) tells a SharedStreamBounds what it sends and
 *   receives, and bounds the next message only while every request in flight is bounded: a line or event over the
 *   bound is then one of their answers or a message nobody asked for, never a tool call's result. With any other
 *   request in flight the transport's own message bound applies, and the listing's count after parsing.
 *
 * A cut answer reaches its request as a JSON-RPC error whose `data` is the ToolListError itself, and refusedBy()
 * finds it there: a server cannot forge one, since what comes over the wire is plain JSON, never an object of a class.
 */
import { ErrorCode, McpError, type JSONRPCErrorResponse, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { responseId } from './jsonRpcMessage.js';
import { raiseHint, ToolListError } from './toolListError.js';

export interface AnswerBoundsOptions {
  /** The server's name, for the error. */
  server: string;
  /** The most bytes one tools/list answer may take as it arrives (the entry's maxToolListBytes). */
  maxToolListBytes: number;
}

/** The bound of one request's answer. */
export interface AnswerBound {
  readonly maxBytes: number;
  /** The error the request fails with when its answer goes past maxBytes. */
  refusal(): ToolListError;
}

export class AnswerBounds {
  private readonly toolList: AnswerBound;

  constructor(options: AnswerBoundsOptions) {
    const { server, maxToolListBytes } = options;
    this.toolList = {
      maxBytes: maxToolListBytes,
      refusal: () =>
        new ToolListError(
          'bytes',
          `the tools/list answer of server "${server}" passed ${maxToolListBytes} bytes (its maxToolListBytes) and was not read further; ${raiseHint('maxToolListBytes')}`,
        ),
    };
  }

  /** The bound of the answer to `message`, when it is a request whose method has one. */
  of(message: JSONRPCMessage): AnswerBound | undefined {
    return 'method' in message && 'id' in message && message.method === 'tools/list' ? this.toolList : undefined;
  }
}

/** The JSON-RPC error that answers request `id` in place of its cut answer. */
export function refusalAnswer(id: RequestId, bound: AnswerBound): JSONRPCErrorResponse {
  const refusal = bound.refusal();
  return { jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message: refusal.message, data: refusal } };
}

/** The ToolListError of a request whose answer a transport cut: thrown as it is, or carried by the refusal answer. */
export function refusedBy(error: unknown): ToolListError | undefined {
  if (error instanceof ToolListError) return error;
  return error instanceof McpError && error.data instanceof ToolListError ? error.data : undefined;
}

/** The requests in flight on a transport whose answers share one stream, and the bound that stream's next message has. */
export class SharedStreamBounds {
  private readonly bounded = new Map<RequestId, AnswerBound>();
  private readonly unbounded = new Set<RequestId>();

  constructor(private readonly bounds: AnswerBounds) {}

  /** Each message the transport sends: a request is in flight from now; a cancellation ends one. */
  sent(message: JSONRPCMessage): void {
    if (!('method' in message)) return;
    if ('id' in message) {
      const bound = this.bounds.of(message);
      if (bound) this.bounded.set(message.id, bound);
      else this.unbounded.add(message.id);
    } else if (message.method === 'notifications/cancelled') {
      const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.settle(id);
    }
  }

  /** Each message the transport delivers: an answer ends its request. */
  received(message: JSONRPCMessage): void {
    const id = responseId(message);
    if (id !== undefined) this.settle(id);
  }

  /** The most bytes the next message may take: set while every request in flight is bounded (the largest bound), else undefined. */
  current(): number | undefined {
    if (this.unbounded.size > 0 || this.bounded.size === 0) return undefined;
    let most = 0;
    for (const bound of this.bounded.values()) most = Math.max(most, bound.maxBytes);
    return most;
  }

  /** A message went past current(): the errors that answer every request in flight (all bounded), which ends them. */
  refuseAll(): JSONRPCErrorResponse[] {
    const answers = [...this.bounded].map(([id, bound]) => refusalAnswer(id, bound));
    this.bounded.clear();
    return answers;
  }

  /** The transport closed: nothing is in flight. */
  clear(): void {
    this.bounded.clear();
    this.unbounded.clear();
  }

  private settle(id: RequestId): void {
    this.bounded.delete(id);
    this.unbounded.delete(id);
  }
}
