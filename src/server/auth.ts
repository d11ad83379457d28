/**
 * API-key middleware. Accepts the key as `Authorization: Bearer <key>` (API clients) or
 * `Authorization: Basic base64(<any user>:<key>)` (a browser's login prompt). The key is hashed once when the
 * factory runs; each request compares SHA-256 digests in constant time, so neither the key's content nor its
 * length leaks through timing.
 *
 * The 401 challenges with Bearer only: a Basic challenge makes a browser put its own password dialog over the
 * page whose fetch was refused (Swagger UI's "Try it out" without the key). Basic is offered only to a request
 * that tried it (so the user can try again) and to a top-level navigation (under strictAuth, typing /docs in the
 * address bar), where the browser's dialog is the only way to present the key.
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
  // Trimmed first: a lazy `(.+?)\s*$` backtracked quadratically on a header padded with spaces (16 KB: 120 ms).
  const match = /^(\S+)\s+([^]+)$/.exec(authorization.trim());
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

/** What else about a request decides which challenges its 401 carries. */
export interface ChallengeHints {
  /** A browser's top-level navigation (Sec-Fetch-Mode: navigate, Sec-Fetch-Dest: document). */
  navigation?: boolean;
}

/**
 * Checks an Authorization header value against the key: undefined when it carries the right key, else the
 * 401 UNAUTHORIZED error to answer with (a Bearer challenge, and Basic as the top of this file says). The key is
 * hashed once, here.
 */
export type ApiKeyCheck = (authorization: string | undefined, hints?: ChallengeHints) => McpoError | undefined;

/** Whether an Authorization header value uses the Basic scheme. */
function triedBasic(authorization: string | undefined): boolean {
  return authorization !== undefined && /^\s*basic(?:\s|$)/i.test(authorization);
}

/** The check behind apiKeyAuth, for handlers outside Hono (the tool-call fast path). */
export function apiKeyCheck(options: ApiKeyAuthOptions): ApiKeyCheck {
  if (!options.apiKey) throw new UsageError('The API key must not be empty');
  const expected = digest(options.apiKey);
  const realm = options.realm ?? DEFAULT_AUTH_REALM;
  const bearerOnly = { 'WWW-Authenticate': `Bearer realm="${realm}"` };
  // Both in one header value (RFC 9110 §11.6.1), Basic first: browsers decide on a login prompt by the first
  // challenge they support.
  const withBasic = { 'WWW-Authenticate': `Basic realm="${realm}", Bearer realm="${realm}"` };

  return function checkApiKey(authorization, hints) {
    const headers = triedBasic(authorization) || hints?.navigation ? withBasic : bearerOnly;
    const key = presentedKey(authorization);
    if (key === undefined) {
      // Say which mistake it is: a header in a scheme we do not read looks like a wrong key otherwise.
      const problem = authorization ? 'Unsupported Authorization header' : 'Missing API key';
      return new McpoError('UNAUTHORIZED', `${problem}: send "Authorization: Bearer <key>"`, { headers });
    }
    return timingSafeEqual(digest(key), expected) ? undefined : new McpoError('UNAUTHORIZED', 'Invalid API key', { headers });
  };
}

/** Middleware rejecting requests without the right key with 401 UNAUTHORIZED and its challenges. */
export function apiKeyAuth(options: ApiKeyAuthOptions | ApiKeyCheck): MiddlewareHandler {
  const check = typeof options === 'function' ? options : apiKeyCheck(options);
  return async function apiKeyAuthMiddleware(c, next) {
    const navigation = c.req.header('Sec-Fetch-Mode') === 'navigate' && c.req.header('Sec-Fetch-Dest') === 'document';
    const refused = check(c.req.header('Authorization'), { navigation });
    if (refused) throw refused;
    await next();
  };
}
