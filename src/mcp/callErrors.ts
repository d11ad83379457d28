/**
 * Maps what the SDK throws for a tools/call into McpoErrors with stable codes, so the HTTP layer
 * renders each failure kind with its own status.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { McpoError } from '../errors.js';
import { ERROR_TEXT_MAX_CHARS, redactText, truncateText } from '../log/redactText.js';
import type { CallSignal, PendingAuthorization } from './types.js';
import { CallQueueTimeoutError } from './callLimiter.js';
import { isUnreachable } from './sessionLoss.js';
import { unavailable } from './unavailable.js';

export { unavailable };

export interface CallFailureContext {
  server: string;
  tool: string;
  timeoutMs: number;
  /**
   * The caller's signal: an abort by the REST client is CANCELLED, not a timeout; an abort whose reason is an
   * McpoError (mcpo shutting down: 503) is answered with that error, whatever the SDK made of it.
   */
  signal?: CallSignal;
}

export function mapCallError(error: unknown, context: CallFailureContext): McpoError {
  if (error instanceof McpoError) return error;
  const { server, tool } = context;
  const details = { server, tool };
  if (context.signal?.aborted) {
    // The SDK wraps an abort's reason into McpError(RequestTimeout, String(reason)): the signal still has it.
    if (context.signal.reason instanceof McpoError) return context.signal.reason;
    return new McpoError('CANCELLED', `Call to ${server}/${tool} was cancelled by the client`, { details, cause: error });
  }
  if (error instanceof CallQueueTimeoutError) {
    return new McpoError(
      'TIMEOUT',
      `Tool ${server}/${tool} did not get its turn within ${context.timeoutMs / 1000} s: ${error.limit} calls to ${server} were in flight (raise maxConcurrentCalls to allow more)`,
      { details: { ...details, timeoutSeconds: context.timeoutMs / 1000, maxConcurrentCalls: error.limit }, cause: error },
    );
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return callTimedOut(context, error);
    if (error.code === ErrorCode.InvalidParams) {
      return new McpoError('INVALID_ARGUMENTS', `${server} rejected the arguments: ${upstreamText(error.message)}`, {
        details: { ...details, rpcCode: error.code, ...(error.data === undefined ? {} : { data: boundedData(error.data) }) },
        cause: error,
      });
    }
    if (error.code === ErrorCode.ConnectionClosed) {
      return unavailable(server, 'the connection to the server closed during the call', error);
    }
    return new McpoError('UPSTREAM_ERROR', `${server} answered with an error: ${upstreamText(error.message)}`, {
      details: { ...details, rpcCode: error.code, ...(error.data === undefined ? {} : { data: boundedData(error.data) }) },
      cause: error,
    });
  }
  // The server could not be reached (refused, reset, no route): it is unavailable, not answering wrongly. The
  // session is checked and reconnected meanwhile (session.ts), hence the short Retry-After.
  if (isUnreachable(error)) return unavailable(server, `it cannot be reached: ${describeError(error)}`, error, 2);
  return new McpoError('UPSTREAM_ERROR', `Call to ${server}/${tool} failed: ${describeError(error)}`, { details, cause: error });
}

/** 504: the call's timeout ran out (in the SDK's request, or before it could be sent). */
export function callTimedOut(context: CallFailureContext, cause?: unknown): McpoError {
  const { server, tool } = context;
  return new McpoError('TIMEOUT', `Tool ${server}/${tool} did not answer within ${context.timeoutMs / 1000} s`, {
    details: { server, tool, timeoutSeconds: context.timeoutMs / 1000 },
    ...(cause === undefined ? {} : { cause }),
  });
}


/**
 * 503 NEEDS_AUTHORIZATION: the user must open `authorizationUrl` (unknown for a moment while queued), or connect the
 * server on mcpo's connections page.
 */
export function needsAuthorization(server: string, authorizationUrl: string | undefined, connectionsUrl?: string): McpoError {
  const where = authorizationUrl
    ? `; open ${authorizationUrl}`
    : connectionsUrl
      ? `; connect it on ${connectionsUrl}`
      : '; the authorization URL is printed on the mcpo console';
  return new McpoError('NEEDS_AUTHORIZATION', `Server ${server} needs authorization${where}`, {
    details: { server, ...(authorizationUrl ? { authorizationUrl } : {}), ...(connectionsUrl ? { connectionsUrl } : {}) },
    headers: { 'Retry-After': '5' },
  });
}

/**
 * The `data` of a JSON-RPC error, as the server sent it unless its JSON is longer than ERROR_TEXT_MAX_CHARS:
 * then that much of its JSON text, marked as cut (a server could otherwise put megabytes into every error body).
 */
function boundedData(data: unknown): unknown {
  const json = JSON.stringify(data);
  return json === undefined || json.length <= ERROR_TEXT_MAX_CHARS ? data : truncateText(json, ERROR_TEXT_MAX_CHARS);
}

/** A message quoted from upstream: without the SDK's prefix, secrets redacted. */
function upstreamText(message: string): string {
  return redactText(stripPrefix(message));
}

/** The SDK prefixes messages with "MCP error <code>: "; the code is already in details. */
function stripPrefix(message: string): string {
  return message.replace(/^MCP error -?\d+: /, '');
}

/** `error`, its message and details naming the step-up authorization the user still has to approve. */
export function withPendingAuthorization(error: McpoError, pending: PendingAuthorization | undefined): McpoError {
  if (!pending?.url || error.details?.authorizationUrl !== undefined) return error;
  return new McpoError(error.code, `${error.message}; the server asks for more scopes (${pending.scope ?? 'unspecified'}): open ${pending.url}`, {
    details: { ...error.details, authorizationUrl: pending.url, pendingAuthorization: pending },
    ...(error.headers ? { headers: error.headers } : {}),
    cause: error,
  });
}

/**
 * The message, plus the underlying cause ("fetch failed" alone does not say ECONNREFUSED 127.0.0.1:9),
 * with secrets redacted: the SDK quotes response bodies, and a server or proxy that echoes the request
 * would otherwise put our bearer token into logs, /healthz and error bodies.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactText(String(error));
  const cause = error.cause;
  if (cause instanceof Error && !error.message.includes(cause.message)) return redactText(`${error.message}: ${cause.message}`);
  return redactText(error.message);
}
