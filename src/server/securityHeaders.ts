/**
 * Headers every answer carries, whoever writes it (the Hono app, the tool route, errors,
 * documents, the Swagger UI page and its assets). `nosniff`: a browser must not read a JSON body that quotes
 * a server's text, or a served asset, as HTML or script.
 */
import type { MiddlewareHandler } from 'hono';

export const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff' } as const;

const ENTRIES = Object.entries(SECURITY_HEADERS);

/** Adds SECURITY_HEADERS to every answer of the app that does not carry them yet (errors and 404s included). */
export function securityHeaders(): MiddlewareHandler {
  return async function addSecurityHeaders(c, next) {
    await next();
    for (const [name, value] of ENTRIES) if (!c.res.headers.has(name)) c.header(name, value);
  };
}
