/**
 * Opens one connected SDK Client for an entry: builds the transport, runs initialize, and for a url
 * without type falls back from streamable HTTP to legacy SSE when the server answers like an SSE server.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { ServerEntry } from '../config/types.js';
import { StreamableHttpTransport } from './http/streamableHttpTransport.js';
import { ExitedWhileStartingError } from './spawnFailure.js';
import { BatchingStdioTransport } from './stdioTransport.js';
import { createTransport, type TransportContext } from './transport.js';
import type { TransportKind } from './types.js';

export interface OpenClientOptions {
  entry: ServerEntry;
  context: TransportContext;
  clientInfo: { name: string; version: string };
  onToolListChanged: () => void;
  /** Called when this client's connection closes (after it was opened). */
  onClose: (client: Client) => void;
  /** Called for errors the transport reports outside any request (e.g. a dropped SSE stream). */
  onTransportError?: (client: Client, error: Error) => void;
  /** Told about each attempt's client as it starts, so a timeout or shutdown can close it. */
  onAttempt: (client: Client | undefined) => void;
  /** Told when the auto fallback settles on SSE. */
  onFallback?: () => void;
}

export interface OpenedClient {
  client: Client;
  kind: TransportKind;
}

export async function openClient(options: OpenClientOptions): Promise<OpenedClient> {
  const { entry } = options;
  if (entry.kind !== 'auto') return { client: await connectWith(entry.kind, options), kind: entry.kind };
  try {
    return { client: await connectWith('streamable-http', options), kind: 'streamable-http' };
  } catch (error) {
    if (!looksLikeLegacySse(error)) throw error;
    options.onFallback?.();
    return { client: await connectWith('sse', options), kind: 'sse' };
  }
}

async function connectWith(kind: TransportKind, options: OpenClientOptions): Promise<Client> {
  const transport = createTransport(options.entry, kind, options.context);
  const client = new Client(options.clientInfo, { capabilities: {}, jsonSchemaValidator: UNUSED_OUTPUT_VALIDATION });
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => options.onToolListChanged());
  client.onclose = () => options.onClose(client);
  client.onerror = (error) => options.onTransportError?.(client, error);
  options.onAttempt(client);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw startFailure(error, transport);
  } finally {
    options.onAttempt(undefined);
  }
  return client;
}

/**
 * The Client's validator of tool outputs, which mcpo never uses: results are passed through as the server sent them
 * (session.ts calls tools/call with client.request, not callTool). The default compiled every tool's outputSchema
 * with a new ajv per connection when tools were listed (~20 ms per server while starting), and a schema ajv could
 * not compile (a dangling $ref) made listing throw, so the whole server failed to connect.
 */
const UNUSED_OUTPUT_VALIDATION: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

/**
 * A stdio child that exited before answering initialize fails the connect with the SDK's "Connection closed";
 * its exit status says more (and its stderr, which the session adds, says why).
 */
function startFailure(error: unknown, transport: unknown): unknown {
  const exited = transport instanceof BatchingStdioTransport ? transport.exited : undefined;
  return exited && error instanceof McpError && error.code === ErrorCode.ConnectionClosed ? new ExitedWhileStartingError(exited) : error;
}

/** A streamable-HTTP POST answered 400/404/405 is how legacy SSE-only servers respond to it. */
function looksLikeLegacySse(error: unknown): boolean {
  return error instanceof StreamableHTTPError && typeof error.code === 'number' && [400, 404, 405].includes(error.code);
}

/**
 * A legacy SSE stream that dropped: the server's session behind it is gone (a reconnected EventSource
 * would talk to a new, uninitialized session), so the whole client must start over.
 */
export function isDroppedSseStream(error: unknown): boolean {
  return error instanceof SseError;
}

/** How long stopping a server waits for its streamable-HTTP session to be ended (DELETE) before closing anyway. */
export const DEFAULT_END_SESSION_MS = 2_000;

/**
 * Tells a streamable-HTTP server that the client's session is over (MCP spec, Session Management: clients
 * that no longer need a session SHOULD send DELETE), so the server frees it now rather than at its own
 * expiry. Bounded: a server that does not answer must not hold up stopping mcpo. Never throws.
 */
export async function endSession(client: Client, withinMs: number = DEFAULT_END_SESSION_MS): Promise<void> {
  const transport = client.transport;
  const streamable = transport instanceof StreamableHttpTransport || transport instanceof StreamableHTTPClientTransport;
  if (!streamable || transport.sessionId === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)));
  await Promise.race([transport.terminateSession().catch(() => {}), bound]);
  clearTimeout(timer);
}
