/**
 * Errors in the Hono app become the error envelope of answer.ts, whether thrown by a route, by middleware or
 * produced for an unknown path: the one renderer, reached through Hono.
 */
import type { Context, ErrorHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { errorAnswer, toMcpoError } from './answer.js';

/** Writes errorAnswer(error) through Hono's context. */
export function renderError(c: Context, error: McpoError): Response {
  const answer = errorAnswer(error);
  for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
  return c.body(answer.body, answer.status as ContentfulStatusCode);
}

/** app.onError: every error rendered as its McpoError (see toMcpoError). */
export function createErrorHandler(logger: Logger): ErrorHandler {
  return function mcpoErrorHandler(error, c) {
    return renderError(c, toMcpoError(error, logger, { method: c.req.method, path: c.req.path }));
  };
}
