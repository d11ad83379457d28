/**
 * One info line per request: method, path, status, duration and, for a user's tool call, the user's name. Never the
 * query string, headers, keys, bodies, arguments or results (those may carry secrets); tool arguments go to debug in
 * toolCall.ts.
 * The tool route (node:http) and the Hono middleware both write it with logRequest.
 */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log/logger.js';

/** What the request log line says. `path` is the request's path without its query. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** Time from the request's arrival to its answer. */
  elapsedMs: number;
  /** The user the request called as (identify.ts); undefined for the operator. */
  user?: string;
}

/** Writes the request's line (at info level: callers skip the work when info is disabled). */
export function logRequest(logger: Logger, entry: RequestLogEntry): void {
  logger.info('http request', {
    method: entry.method,
    path: entry.path,
    status: entry.status,
    ms: Math.round(entry.elapsedMs * 10) / 10,
    user: entry.user,
  });
}

export interface RequestLogOptions {
  logger: Logger;
  /** Monotonic clock in milliseconds. Default: performance.now. */
  now?: () => number;
}

/** Middleware writing the line of every request the Hono app answers. */
export function requestLog(options: RequestLogOptions): MiddlewareHandler {
  const { logger } = options;
  const now = options.now ?? (() => performance.now());
  return async function requestLogMiddleware(c, next) {
    const start = now();
    try {
      await next();
    } finally {
      logRequest(logger, { method: c.req.method, path: c.req.path, status: c.res.status, elapsedMs: now() - start });
    }
  };
}
