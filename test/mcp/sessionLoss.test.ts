import { describe, expect, it } from 'vitest';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { isSessionGoneAnswer, isSessionLost, isUnreachable, SessionLostError } from '../../src/mcp/sessionLoss.js';

describe('isSessionLost', () => {
  it("takes mcpo's SessionLostError, and the SDK transport's errors for a 404 or a 400 whose quoted answer says the session is gone", () => {
    // The SDK's StreamableHTTPClientTransport (sdkTransport) words a refused POST "Error POSTing to endpoint: <body>".
    const sdk = (status: number, body: string) => new StreamableHTTPError(status, `Error POSTing to endpoint: ${body}`);
    expect(isSessionLost(new SessionLostError(400, 'gone'))).toBe(true);
    expect(isSessionLost(sdk(404, 'Session not found'))).toBe(true);
    expect(isSessionLost(sdk(400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}'))).toBe(true);
  });

  it("does not take the SDK transport's 400 about something else, nor its 401/403 (their headers, which may challenge, are not kept)", () => {
    expect(isSessionLost(new StreamableHTTPError(400, 'Error POSTing to endpoint: Parse error: invalid JSON'))).toBe(false);
    expect(isSessionLost(new StreamableHTTPError(401, 'Error POSTing to endpoint: Invalid or expired session'))).toBe(false);
    expect(isSessionLost(new Error('Session not found'))).toBe(false);
  });
});

describe('isSessionGoneAnswer (for a request that carried Mcp-Session-Id)', () => {
  it('takes any 404 (the spec)', () => {
    expect(isSessionGoneAnswer(404, '')).toBe(true);
  });

  it('takes the 400s servers in the field send for a session they do not have', () => {
    // server-everything (src/everything/transports/streamableHttp.ts), the SDK's transport before initialize,
    // and wordings seen in other servers.
    for (const text of [
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}',
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Server not initialized"},"id":null}',
      'Invalid session ID',
      'Session expired',
      'unknown session: 5c1f',
      'session not found',
      'Session-Id does not exist',
      'Bad Request: Session terminated',
    ]) {
      expect(isSessionGoneAnswer(400, text), text).toBe(true);
    }
  });

  it('does not take a 400 about something else, or a 5xx', () => {
    expect(isSessionGoneAnswer(400, 'Bad Request: Unsupported protocol version: 1999-01-01')).toBe(false);
    expect(isSessionGoneAnswer(400, 'Parse error: invalid JSON')).toBe(false);
    expect(isSessionGoneAnswer(400, '')).toBe(false);
    expect(isSessionGoneAnswer(500, 'session not found')).toBe(false);
  });

  it('takes a 401/403 about the session only when it does not challenge for credentials', () => {
    expect(isSessionGoneAnswer(401, 'Invalid or expired session')).toBe(true);
    expect(isSessionGoneAnswer(401, 'Invalid or expired session', new Headers({ 'www-authenticate': 'Bearer error="invalid_token"' }))).toBe(false);
    expect(isSessionGoneAnswer(403, 'insufficient_scope')).toBe(false);
  });
});

describe('isUnreachable', () => {
  const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

  it('finds refused, reset and timed-out connections through the causes fetch wraps them in', () => {
    expect(isUnreachable(new TypeError('fetch failed', { cause: socketError('ECONNREFUSED') }))).toBe(true);
    expect(isUnreachable(new Error('Failed to reconnect SSE stream', { cause: new TypeError('fetch failed', { cause: socketError('ECONNRESET') }) }))).toBe(true);
    expect(isUnreachable(socketError('UND_ERR_CONNECT_TIMEOUT'))).toBe(true);
  });

  it("takes a gateway's 502/503/504 in place of the server, also as the cause of a failed stream reconnection", () => {
    expect(isUnreachable(new StreamableHTTPError(502, 'Bad Gateway'))).toBe(true);
    expect(isUnreachable(new Error('Failed to reconnect SSE stream', { cause: new StreamableHTTPError(504, 'Gateway Timeout') }))).toBe(true);
    expect(isUnreachable(new StreamableHTTPError(500, 'Internal Server Error'))).toBe(false);
  });

  it('does not take other errors, and stops on a circular cause chain', () => {
    expect(isUnreachable(new Error('Bad Request'))).toBe(false);
    expect(isUnreachable(socketError('EACCES'))).toBe(false);
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    expect(isUnreachable(loop)).toBe(false);
  });
});
