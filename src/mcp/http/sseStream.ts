/**
 * Reads one event-stream response of a streamable-HTTP server (a POST's answer or the GET stream) from
 * the Node stream underneath, and hands each JSON-RPC message on as it arrives. What the stream left
 * behind (its last event id, which requests it answered, how it ended) decides whether the transport
 * resumes it.
 */
import type { Readable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { parseJsonRpcMessage, responseId } from '../jsonRpcMessage.js';
import { SseParser } from './sseParser.js';

export interface SseStreamHandlers {
  onMessage(message: JSONRPCMessage): void;
  /** Whether the response to request `id` belongs on this stream; one that does not is dropped (the handler reports it). Default: all do. */
  admits?(id: string | number): boolean;
  /** An event that is not a JSON-RPC message: reported, and the stream goes on. */
  onBadEvent(error: Error): void;
  /** The server's `retry` field: how long to wait before resuming. */
  onRetry(ms: number): void;
  /** Every event id, in order (the SDK's resumption token). */
  onEventId?(id: string): void;
}

export interface SseStreamOptions {
  maxEventBytes?: number;
  /** Resuming a request's stream: its response carries this id (as the SDK's transport does). */
  replayMessageId?: string | number;
}

export interface SseStreamEnd {
  /** The last event id seen: where a resumed stream starts. */
  lastEventId: string | undefined;
  /** Whether any response (result or error) came on this stream. */
  answered: boolean;
  /** Whether any message (request, notification or response) came on this stream: proof that it works. */
  delivered: boolean;
  /** Whether this stream carried a `retry` field: the server means to close it and be polled (SSE polling). */
  retried: boolean;
  /** Why the stream stopped early: a network error, an abort, an oversized event. undefined after a clean end. */
  error: Error | undefined;
}

/** Resolves when the stream has ended, cleanly or not; never rejects. */
export function readSseStream(stream: Readable, handlers: SseStreamHandlers, options: SseStreamOptions = {}): Promise<SseStreamEnd> {
  let lastEventId: string | undefined;
  let answered = false;
  let delivered = false;
  let retried = false;
  const parser = new SseParser(
    {
      onRetry: (ms) => {
        retried = true;
        handlers.onRetry(ms);
      },
      onEvent: (event) => {
        if (event.id) {
          lastEventId = event.id;
          handlers.onEventId?.(event.id);
        }
        // Priming events and keep-alives carry no data; events of another type are not MCP messages.
        if (!event.data || (event.event !== undefined && event.event !== 'message')) return;
        let message: JSONRPCMessage;
        try {
          message = parseJsonRpcMessage(event.data);
        } catch (error) {
          handlers.onBadEvent(error as Error);
          return;
        }
        const id = responseId(message);
        if (id !== undefined) {
          if (handlers.admits && !handlers.admits(id)) return;
          answered = true;
          if (options.replayMessageId !== undefined) (message as { id: string | number }).id = options.replayMessageId;
        }
        delivered = true;
        try {
          handlers.onMessage(message);
        } catch (error) {
          // The SDK's transport reports a throwing handler the same way, and the stream goes on.
          handlers.onBadEvent(error as Error);
        }
      },
    },
    options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes },
  );

  return new Promise((resolve) => {
    let done = false;
    const finish = (error: Error | undefined) => {
      if (done) return;
      done = true;
      resolve({ lastEventId, answered, delivered, retried, error });
    };
    stream.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        stream.destroy(error as Error);
      }
    });
    stream.once('end', () => {
      parser.end();
      finish(undefined);
    });
    stream.once('error', (error) => finish(error));
    // 'close' follows every 'end': an Error (its stack) is only made when the stream did not end.
    stream.once('close', () => done || finish(new Error('the connection closed before the stream ended')));
  });
}
