/**
 * How a server says it no longer has our session, and how a network says the server is gone: the two
 * judgements session recovery rests on, made here once for every transport and caller.
 */
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * A request that carried `Mcp-Session-Id` was refused because the server does not know that session: it
 * restarted, or expired the session. Such a refusal proves the request never ran, so the one retry after a
 * new session is safe. Keeps the HTTP status in `code`, as the SDK's StreamableHTTPError does.
 */
export class SessionLostError extends StreamableHTTPError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'SessionLostError';
  }
}

/**
 * What servers in the field say about a session they do not have, besides the spec's 404:
 * server-everything answers 400 "Bad Request: No valid session ID provided", an SDK-built server that
 * restarted 400 "Bad Request: Server not initialized", others "Invalid session", "Session expired",
 * "Unknown session id", "session not found", "session terminated".
 */
const SESSION_GONE_TEXT =
  /\b(?:no valid|missing|unknown|invalid|expired|stale|bad)\b[\w\s-]{0,20}\bsession\b|\bsession(?:[\s_-]?id)?\b[\w\s-]{0,20}\b(?:missing|unknown|invalid|expired|not found|does not exist|terminated|no longer)\b|\bnot initiali[sz]ed\b/i;

/** Statuses a lost session comes back with: 404 (the spec), 400 (most servers), 401/403 (a few, with no auth challenge). */
const SESSION_GONE_STATUSES = new Set([400, 401, 403, 404]);

/**
 * Whether an error answer to a request that carried a session id says the session is gone: a 404 always
 * (MCP 2025-11-25, Session Management), a 400/401/403 when its text says so. A 401/403 that challenges for
 * credentials (WWW-Authenticate) is about authorization, not the session.
 */
export function isSessionGoneAnswer(status: number, text: string | null | undefined, headers?: Pick<Headers, 'get'>): boolean {
  if (status === 404) return true;
  if (!SESSION_GONE_STATUSES.has(status) || !text) return false;
  if ((status === 401 || status === 403) && headers?.get('www-authenticate')) return false;
  return SESSION_GONE_TEXT.test(text.slice(0, 2_000));
}

/** A call's or a stream's failure that means the server no longer has the session. */
export function isSessionLost(error: unknown): boolean {
  if (error instanceof SessionLostError) return true;
  // A plain StreamableHTTPError: the SDK's own transport said it (sdkTransport, the SSE fallback's probe). Its message
  // quotes the answer's text but it keeps no headers, so a 401/403 (which may be an authentication challenge) is not taken.
  return error instanceof StreamableHTTPError && (error.code === 404 || (error.code === 400 && isSessionGoneAnswer(400, error.message)));
}

/**
 * Socket-level failures that say the server cannot be reached (refused, reset, timed out connecting, no
 * route, no such host). undici's codes are included for the SDK's own transports, which use global fetch.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * What a reverse proxy or load balancer answers for a server that is not there (being redeployed, crashed):
 * the usual deployment of a remote MCP server, where the connection itself never fails.
 */
const GATEWAY_FAILURES = new Set([502, 503, 504]);

/**
 * Whether `error` (or one of its causes) means the server cannot be reached: a network failure, or a gateway's
 * 502/503/504 in its place.
 */
export function isUnreachable(error: unknown): boolean {
  let current: unknown = error;
  // Bounded: a cause chain may be long or even circular.
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (current instanceof StreamableHTTPError && typeof code === 'number' && GATEWAY_FAILURES.has(code)) return true;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

/** The server answered the request, if only with a JSON-RPC error: it is there (a timeout or a closed connection is no answer). */
export function isAnswer(error: unknown): boolean {
  return error instanceof McpError && error.code !== ErrorCode.RequestTimeout && error.code !== ErrorCode.ConnectionClosed;
}
