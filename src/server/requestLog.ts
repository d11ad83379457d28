/**
 * One info line per request: method, path, status and duration. Never the query string, headers,
 * bodies, arguments or results (those may carry secrets); tool arguments go to debug in the tool route.
 */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log/logger.js';

export interface RequestLogOptions {
  logger: Logger;
  /** Monotonic clock in milliseconds. Default: performance.now. */
  now?: () => number;
}

/** Middleware writing the one info line per request. */
export function requestLog(options: RequestLogOptions): MiddlewareHandler {
  const { logger } = options;
  const now = options.now ?? (() => performance.now());
  return async function requestLogMiddleware(c, next) {
    const start = now();
    try {
      await next();
    } finally {
      logger.info('http request', {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((now() - start) * 10) / 10,
      });
    }
  };
}
