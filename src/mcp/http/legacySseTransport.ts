/**
 * The SDK's legacy SSE client transport, with a tools/list answer cut at its bound before it is parsed. Its answers
 * all come on the one event stream, read by the `eventsource` package behind the SDK's back, so the cut happens in
 * the fetch that stream comes through (eventSizeGuard.ts), and the requests in flight are tracked here
 * (SharedStreamBounds: the bound applies while every request in flight is bounded, answerBounds.ts).
 *
 * A cut answer is replaced, in the stream, by an error answer to each bounded request, so that it arrives in order
 * with the events around it. The SDK parses it as any message; before it goes on, the error that crossed the stream
 * as text (marked with this transport's random nonce, which a server never sees) is swapped for the in-process one
 * whose `data` is the ToolListError (refusedBy() looks for that).
 *
 * The bytes are judged as they pass the fetch, a little ahead of delivery: an answer that is on its way counts as
 * in flight, so a message nobody asked for, larger than the bound and right behind a tools/list answer, could be
 * taken for it. A server that does that gets its tool list refused.
 */
import { randomUUID } from 'node:crypto';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCErrorResponse, JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { SharedStreamBounds, type AnswerBounds } from '../answerBounds.js';
import { responseId } from '../jsonRpcMessage.js';
import { boundedEventStreams } from './eventSizeGuard.js';

export interface LegacySseTransportOptions {
  fetch: FetchLike;
  /** Sent with the event-stream GET and every POST. */
  requestInit?: RequestInit;
  /** The most bytes one event may take. Default DEFAULT_MAX_EVENT_BYTES. */
  maxEventBytes?: number;
  answerBounds: AnswerBounds;
}

export class LegacySseTransport extends SSEClientTransport {
  private readonly answers: SharedStreamBounds;
  /** The refusals written into the stream, by request id, until they come out of the SDK's parser. */
  private readonly refusals: Map<RequestId, JSONRPCErrorResponse>;
  private readonly nonce: string;

  constructor(url: URL, options: LegacySseTransportOptions) {
    const answers = new SharedStreamBounds(options.answerBounds);
    const refusals = new Map<RequestId, JSONRPCErrorResponse>();
    const nonce = randomUUID();
    const cut = () =>
      answers
        .refuseAll()
        .map((refusal) => {
          refusals.set(refusal.id!, refusal);
          return `data: ${JSON.stringify({ ...refusal, error: { ...refusal.error, data: { mcpoRefusal: nonce } } })}\n\n`;
        })
        .join('');
    const fetch = boundedEventStreams(options.fetch, {
      ...(options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes }),
      tighter: { bound: () => answers.current(), cut },
    });
    super(url, { ...(options.requestInit ? { requestInit: options.requestInit } : {}), fetch });
    this.answers = answers;
    this.refusals = refusals;
    this.nonce = nonce;
  }

  /** The SDK's Protocol has set its onmessage by now (Protocol.connect): what the SDK delivers passes through receive() first. */
  override async start(): Promise<void> {
    const deliver = this.onmessage;
    this.onmessage = (message) => this.receive(message, deliver);
    return super.start();
  }

  override async send(message: JSONRPCMessage): Promise<void> {
    this.answers.sent(message);
    return super.send(message);
  }

  override async close(): Promise<void> {
    this.answers.clear();
    this.refusals.clear();
    return super.close();
  }

  private receive(message: JSONRPCMessage, deliver: ((message: JSONRPCMessage) => void) | undefined): void {
    const id = responseId(message);
    const refusal = id === undefined ? undefined : this.refusals.get(id);
    const ours = refusal !== undefined && 'error' in message && (message.error.data as { mcpoRefusal?: unknown } | undefined)?.mcpoRefusal === this.nonce;
    if (ours) this.refusals.delete(id!);
    else this.answers.received(message);
    deliver?.(ours ? refusal : message);
  }
}
