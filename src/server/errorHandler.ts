/**
 * The one place errors become HTTP responses. Every failure, whether thrown by a route, by middleware or
 * produced for an unknown path, is rendered as the McpoError envelope
 * `{ "error": { "code", "message", "details"? } }` with the code's status and the error's headers.
 */
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { McpoError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

/** Generic message for unexpected errors: the detail goes to the log, never to the client. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** Renders an McpoError as the JSON envelope with its status and extra headers (Retry-After, WWW-Authenticate…). */
export function renderError(c: Context, error: McpoError): Response {
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
  c.header('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  return c.json(error.toJSON(), error.status as ContentfulStatusCode);
}

/** Statuses Hono's own HTTPExceptions (e.g. from built-in middleware) may carry, mapped to our codes. */
const CODE_BY_HTTP_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  413: 'PAYLOAD_TOO_LARGE',
};

/**
 * Any thrown value as the McpoError to answer with: McpoErrors as they are, Hono's HTTPExceptions by status,
 * anything else 500 INTERNAL with its detail logged at error level (never sent to the client).
 */
export function toMcpoError(error: unknown, logger: Logger, request: { method: string; path: string }): McpoError {
  if (error instanceof McpoError) return error;
  if (error instanceof HTTPException) {
    const code = CODE_BY_HTTP_STATUS[error.status];
    if (code) return new McpoError(code, error.message || code, { cause: error });
  }
  logger.error('unexpected error while handling a request', {
    method: request.method,
    path: request.path,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new McpoError('INTERNAL', INTERNAL_ERROR_MESSAGE);
}

/** app.onError: every error rendered as its McpoError (see toMcpoError). */
export function createErrorHandler(logger: Logger): ErrorHandler {
  return function mcpoErrorHandler(error, c) {
    return renderError(c, toMcpoError(error, logger, { method: c.req.method, path: c.req.path }));
  };
}
