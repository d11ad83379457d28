/**
 * API-key middleware. Accepts the key as `Authorization: Bearer <key>` (API clients) or
 * `Authorization: Basic base64(<any user>:<key>)` (so a browser's login prompt works for /docs under
 * strictAuth). The key is hashed once when the factory runs; each request compares SHA-256 digests in
 * constant time, so neither the key's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { McpoError, UsageError } from '../errors.js';

/** Realm named in WWW-Authenticate challenges. */
export const DEFAULT_AUTH_REALM = 'mcpo';

export interface ApiKeyAuthOptions {
  /** The shared secret. Must be non-empty. */
  apiKey: string;
  /** Realm in the challenges. Default DEFAULT_AUTH_REALM. */
  realm?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The key a request presents, or undefined when it presents none in a supported scheme. */
export function presentedKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(authorization);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const credentials = match[2]!;
  if (scheme === 'bearer') return credentials;
  if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 7617: user-id cannot contain ':', so the password (our key) is everything after the first one.
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/**
 * Checks an Authorization header value against the key: undefined when it carries the right key, else the
 * 401 UNAUTHORIZED error to answer with (Bearer + Basic challenges). The key is hashed once, here.
 */
export type ApiKeyCheck = (authorization: string | undefined) => McpoError | undefined;

/** The check behind apiKeyAuth, for handlers outside Hono (the tool-call fast path). */
export function apiKeyCheck(options: ApiKeyAuthOptions): ApiKeyCheck {
  if (!options.apiKey) throw new UsageError('The API key must not be empty');
  const expected = digest(options.apiKey);
  const realm = options.realm ?? DEFAULT_AUTH_REALM;
  // One header value with both challenges (RFC 9110 §11.6.1). Basic comes first because browsers use
  // the first challenge they support to decide whether to show a login prompt.
  const headers = { 'WWW-Authenticate': `Basic realm="${realm}", Bearer realm="${realm}"` };

  return function checkApiKey(authorization) {
    const key = presentedKey(authorization);
    if (key === undefined) {
      // Say which mistake it is: a header in a scheme we do not read looks like a wrong key otherwise.
      const problem = authorization ? 'Unsupported Authorization header' : 'Missing API key';
      return new McpoError('UNAUTHORIZED', `${problem}: send "Authorization: Bearer <key>"`, { headers });
    }
    return timingSafeEqual(digest(key), expected) ? undefined : new McpoError('UNAUTHORIZED', 'Invalid API key', { headers });
  };
}

/** Middleware rejecting requests without the right key with 401 UNAUTHORIZED and Bearer + Basic challenges. */
export function apiKeyAuth(options: ApiKeyAuthOptions | ApiKeyCheck): MiddlewareHandler {
  const check = typeof options === 'function' ? options : apiKeyCheck(options);
  return async function apiKeyAuthMiddleware(c, next) {
    const refused = check(c.req.header('Authorization'));
    if (refused) throw refused;
    await next();
  };
}
