/**
 * An answer as plain values (status, headers, a text body), and the error envelope rendered as one: the tool
 * route (node:http) writes such answers itself, the Hono app's error handler renders the same envelope through
 * Hono. HTTP statuses are mapped from error codes here, at the edge.
 */
import { CallerNeedsAuthorizationError, McpoError, STATUS_BY_CODE } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

export interface Answer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** The user the request called as, for the request log; absent for the operator and before the caller was known. */
  user?: string;
}

/** Content-Type of every JSON answer mcpo writes but the error envelope. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Generic message for unexpected errors: the detail goes to the log, never to the client. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** Headers of every error answer, after the error's own: never cached, JSON, and SECURITY_HEADERS. */
const ERROR_HEADERS = { 'Cache-Control': 'no-store', 'Content-Type': 'application/json', ...SECURITY_HEADERS } as const;

/** The HTTP status an error is answered with. */
export function httpStatus(error: McpoError): number {
  if (error instanceof CallerNeedsAuthorizationError) return CallerNeedsAuthorizationError.STATUS;
  return STATUS_BY_CODE[error.code];
}

/**
 * The error envelope `{ "error": { "code", "message", "details"? } }` with the code's status, and as headers
 * `extra` (CORS), then the error's own (Retry-After, WWW-Authenticate, Allow…), then ERROR_HEADERS.
 */
export function errorAnswer(error: McpoError, extra?: Readonly<Record<string, string>>): Answer {
  return { status: httpStatus(error), headers: { ...extra, ...error.headers, ...ERROR_HEADERS }, body: JSON.stringify(error.toJSON()) };
}

/**
 * Any thrown value as the McpoError to answer with: McpoErrors as they are, anything else 500 INTERNAL with its
 * detail logged at error level (never sent to the client).
 */
export function toMcpoError(error: unknown, logger: Logger, request: { method: string; path: string }): McpoError {
  if (error instanceof McpoError) return error;
  logger.error('unexpected error while handling a request', {
    method: request.method,
    path: request.path,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new McpoError('INTERNAL', INTERNAL_ERROR_MESSAGE);
}
