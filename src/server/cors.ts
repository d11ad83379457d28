/**
 * CORS for browsers calling mcpo from another origin (`corsAllowOrigins`): hono/cors with mcpo's settings, and
 * the same headers as plain values for the tool-call fast path, which answers without the middleware.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** How long browsers may cache a CORS preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Response headers a page may read: the ones that say when to retry, how to authenticate, what changed. */
export const CORS_EXPOSE_HEADERS: readonly string[] = ['Retry-After', 'WWW-Authenticate', 'ETag'];

/** The CORS middleware for `origins` (['*'] allows any origin). */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAge: CORS_MAX_AGE_SECONDS,
  });
}

/**
 * The headers corsMiddleware gives the answer to a request that is not a preflight, for the request's Origin
 * header: Access-Control-Allow-Origin ("*", or the origin when listed), the exposed headers, and
 * `Vary: Origin` when the answer depends on the origin.
 */
export function corsAnswerHeaders(origins: readonly string[]): (origin: string | undefined) => Readonly<Record<string, string>> {
  const expose = CORS_EXPOSE_HEADERS.join(',');
  if (origins.includes('*')) {
    const any = { 'access-control-allow-origin': '*', 'access-control-expose-headers': expose };
    return () => any;
  }
  const listed = new Set(origins);
  const refused = { 'access-control-expose-headers': expose, vary: 'Origin' };
  return (origin) => (origin !== undefined && listed.has(origin) ? { 'access-control-allow-origin': origin, ...refused } : refused);
}
