/**
 * Builds the client transport for one configured server. The only place that knows how each transport
 * kind is constructed; OAuth plugs in through `auth`, whose fetch adds the token.
 *
 * An entry with `"sdkTransport": true` gets the SDK's own transports instead of mcpo's, for a server that
 * misbehaves with mcpo's: see createSdkTransport() for what of mcpo's still applies.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Readable } from 'node:stream';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { RemoteEntry, ServerEntry } from '../config/types.js';
import { childEnvironment } from '../config/childEnv.js';
import { AnswerBounds } from './answerBounds.js';
import { DEFAULT_REQUEST_IDLE_MS, mcpHttpFetch, withIdleLimit } from './httpFetch.js';
import { boundedEventStreams } from './http/eventSizeGuard.js';
import { LegacySseTransport } from './http/legacySseTransport.js';
import { StreamableHttpTransport } from './http/streamableHttpTransport.js';
import { BatchingStdioTransport } from './stdioTransport.js';
import { forwardingFetch } from './forwardedHeaders.js';
import { DEFAULT_MAX_TOOL_LIST_BYTES } from './toolList.js';
import type { SessionAuth, TransportKind } from './types.js';

export interface TransportContext {
  /** The environment mcpo itself runs with; stdio children inherit it (or a safe subset), see childEnvironment(). */
  parentEnv: Readonly<Record<string, string | undefined>>;
  /**
   * mcpo's OAuth for entries with an `oauth` block: the transport sends through its fetch, which adds the
   * token (not the SDK's authProvider: its transports pass the configured headers to authorization-server
   * requests and prompt again where a refresh should merely be retried).
   */
  auth?: SessionAuth;
  /** The longest a tool call may take (the entry's timeout, or the default): HTTP requests may stay silent that long. */
  callTimeoutMs?: number;
  /** Receives each stderr line of a stdio child. */
  onStderrLine?: (line: string) => void;
  /** Remote servers: the most bytes one event or JSON answer may take. Default DEFAULT_MAX_EVENT_BYTES (256 MiB). */
  maxEventBytes?: number;
}

/** Slack above the call timeout, so the call's own timeout (with its cancellation) fires first. */
const IDLE_MARGIN_MS = 5_000;

/** Creates a transport of a concrete kind (never 'auto': the session decides the fallback). */
export function createTransport(entry: ServerEntry, kind: TransportKind, context: TransportContext): Transport {
  // A tools/list answer is cut at the entry's maxToolListBytes as it arrives, before it is parsed.
  const answerBounds = new AnswerBounds({ server: entry.name, maxToolListBytes: entry.maxToolListBytes ?? DEFAULT_MAX_TOOL_LIST_BYTES });
  if (entry.kind === 'stdio') {
    const transport = new BatchingStdioTransport(
      {
        command: entry.command,
        args: entry.args,
        env: childEnvironment(entry.env, context.parentEnv, { inherit: entry.inheritEnv }),
        cwd: entry.cwd,
        stderr: 'pipe',
      },
      { sdkMessages: entry.sdkTransport === true, answerBounds },
    );
    const stderr = transport.stderr as Readable | null;
    if (stderr && context.onStderrLine) forwardLines(stderr, context.onStderrLine);
    return transport;
  }
  if (entry.sdkTransport) return createSdkTransport(entry, kind, context);
  const url = new URL(entry.url);
  // Configured headers go to the MCP server's requests only: with `auth`, authorization-server requests
  // are made by src/oauth with its own fetch, never through this transport's requestInit.
  const requestInit: RequestInit = { headers: entry.headers };
  // Not the global fetch: see httpFetch.ts. mcpo's OAuth fetch wraps the same one (src/oauth/setup.ts).
  // A call may take as long as its timeout: the fetch underneath must not cut a silent one sooner.
  const base = context.auth?.fetch ?? mcpHttpFetch;
  const idleMs = (context.callTimeoutMs ?? 0) + IDLE_MARGIN_MS;
  const limited = idleMs > DEFAULT_REQUEST_IDLE_MS ? withIdleLimit(base, idleMs) : base;
  // Outermost: OAuth's fetch (inside) sets Authorization after anything forwarded, and forwarding never replaces a header.
  const fetch = entry.headerForwarding ? forwardingFetch(limited) : limited;
  if (kind === 'sse') {
    // The SDK sends requestInit headers on the event-stream GET and on every POST alike.
    return new LegacySseTransport(url, { requestInit, fetch, answerBounds, ...(context.maxEventBytes === undefined ? {} : { maxEventBytes: context.maxEventBytes }) });
  }
  return new StreamableHttpTransport(url, {
    fetch,
    headers: entry.headers,
    answerBounds,
    ...(context.maxEventBytes === undefined ? {} : { maxEventBytes: context.maxEventBytes }),
  });
}

/**
 * The SDK's StreamableHTTPClientTransport or SSEClientTransport over the global fetch (undici), as the SDK uses them
 * by default, with what of mcpo's applies through their `fetch` option: OAuth (its fetch then wraps the global
 * fetch: src/oauth/setup.ts), client_header_forwarding, and the size bound of one event-stream event. What does not
 * apply is in sdkTransportLimits(). (Stdio: the SDK's own sends and line reader, see StdioTransportOptions.sdkMessages.)
 */
function createSdkTransport(entry: RemoteEntry, kind: TransportKind, context: TransportContext): Transport {
  const url = new URL(entry.url);
  const base: FetchLike = context.auth?.fetch ?? ((target, init) => fetch(target, init));
  const forwarding = entry.headerForwarding ? forwardingFetch(base) : base;
  const bound = context.maxEventBytes === undefined ? {} : { maxEventBytes: context.maxEventBytes };
  const options = { requestInit: { headers: entry.headers }, fetch: boundedEventStreams(forwarding, bound) };
  return kind === 'sse' ? new SSEClientTransport(url, options) : new StreamableHTTPClientTransport(url, options);
}

/** The SDK's transports read a tools/list answer whole: maxToolListBytes is counted once it is parsed (answerBounds.ts is mcpo's). */
const LIST_LIMIT = 'a tools/list answer is held to maxToolListBytes only once it has been read and parsed';

/** What of mcpo's own transport does not apply to an entry with `"sdkTransport": true`: the start-up warning's text. */
export function sdkTransportLimits(entry: ServerEntry): string {
  if (entry.kind === 'stdio') {
    return `served through the SDK's stdio transport (sdkTransport): each message is written on its own, and each line read and checked by the SDK; ${LIST_LIMIT}`;
  }
  const fetchLimit = 'its requests go through the global fetch, which gives up on a response silent for 300 s whatever the call\'s timeout';
  if (entry.kind === 'sse') return `served through the SDK's SSE transport (sdkTransport): ${fetchLimit}; ${LIST_LIMIT}`;
  return (
    `served through the SDK's HTTP transports (sdkTransport): ${fetchLimit}; a JSON answer has no size bound; a call whose stream ends ` +
    `unanswered waits for its timeout; the notification stream is reopened each time it ends, and given up after 2 failed reopenings; ${LIST_LIMIT}`
  );
}

function forwardLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string | Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (line) onLine(line);
    }
    // A child that never prints a newline must not grow this buffer without bound.
    if (buffered.length > 64 * 1024) {
      onLine(buffered);
      buffered = '';
    }
  });
  stream.on('end', () => {
    if (buffered) onLine(buffered);
    buffered = '';
  });
}
