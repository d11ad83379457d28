/**
 * CORS for browsers calling mcpo from another origin (`corsAllowOrigins`). corsAnswerHeaders decides the headers
 * of every answer: the tool route (node:http) adds them to its answers, the Hono middleware to the app's. Preflights
 * (OPTIONS) are the app's: the middleware answers them. Paths a browser must only use from mcpo's own pages (the
 * connections page, its buttons, the OAuth callback) are exempt: no preflight answer and no header there, whatever
 * origins are allowed, so no other site can read the page's form token or drive its buttons with credentials.
 */
import type { MiddlewareHandler } from 'hono';

/** How long browsers may cache a CORS preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** Response headers a page may read: the ones that say when to retry, how to authenticate, what changed. */
export const CORS_EXPOSE_HEADERS: readonly string[] = ['Retry-After', 'WWW-Authenticate', 'ETag'];

/** Methods and request headers a preflight allows: what calling a tool and reading the documents need. */
const PREFLIGHT_HEADERS = {
  'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
  'access-control-allow-methods': 'GET,POST,OPTIONS',
  'access-control-allow-headers': 'Authorization,Content-Type',
} as const;

/** The CORS headers of an answer (not a preflight) to a request whose Origin header is `origin`. */
export type CorsAnswerHeaders = (origin: string | undefined) => Readonly<Record<string, string>>;

/**
 * The CORS headers for `origins` (['*'] allows any): Access-Control-Allow-Origin ("*", or the request's origin
 * when listed), the exposed headers, and `Vary: Origin` when the answer depends on the origin.
 */
export function corsAnswerHeaders(origins: readonly string[]): CorsAnswerHeaders {
  const expose = CORS_EXPOSE_HEADERS.join(',');
  if (origins.includes('*')) {
    const any = { 'access-control-allow-origin': '*', 'access-control-expose-headers': expose };
    return () => any;
  }
  const listed = new Set(origins);
  const refused = { 'access-control-expose-headers': expose, vary: 'Origin' };
  return (origin) => (origin !== undefined && listed.has(origin) ? { 'access-control-allow-origin': origin, ...refused } : refused);
}

export interface CorsMiddlewareOptions {
  /**
   * Paths (as the router matches them: c.req.path) that get no CORS at all: their preflights go on to the routes
   * (which have no OPTIONS: 404) and their answers get no header. Default: none.
   */
  exempt?: (path: string) => boolean;
}

/**
 * Middleware answering every OPTIONS request as a preflight (204, before the host's routes and the API key: a
 * browser sends no credentials with it), and adding `answerHeaders` to every other answer of the app; paths that
 * `options.exempt` names excepted.
 */
export function corsMiddleware(answerHeaders: CorsAnswerHeaders, options: CorsMiddlewareOptions = {}): MiddlewareHandler {
  const { exempt } = options;
  return async function corsHeaders(c, next) {
    if (exempt?.(c.req.path)) return next();
    const headers = answerHeaders(c.req.header('origin'));
    if (c.req.method === 'OPTIONS') return c.body(null, 204, { ...headers, ...PREFLIGHT_HEADERS });
    await next();
    for (const [name, value] of Object.entries(headers)) {
      if (name === 'vary') c.res.headers.append(name, value);
      else c.res.headers.set(name, value);
    }
  };
}
