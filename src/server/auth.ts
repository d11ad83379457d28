/**
 * Keys on requests: how a request presents one, the 401 it gets without the right one, and the operator-key check
 * of the connections page (tool calls and the rest of the app identify the caller: identify.ts, built on these).
 * A key is sent as `Authorization: Bearer <key>` (API clients) or `Authorization: Basic base64(<any user>:<key>)`
 * (a browser's login prompt). Expected keys are hashed once when a check is made; each request compares SHA-256
 * digests in constant time, so neither a key's content nor its length leaks through timing.
 *
 * The 401 challenges with Bearer only: a Basic challenge makes a browser put its own password dialog over the
 * page whose fetch was refused (Swagger UI's "Try it out" without the key). Basic is offered only to a request
 * that tried it (so the user can try again) and to a top-level navigation (under strictAuth, typing /docs in the
 * address bar), where the browser's dialog is the only way to present the key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { McpoError, UsageError } from '../errors.js';
import type { HeaderLookup } from './requestView.js';

/** Realm named in WWW-Authenticate challenges. */
export const DEFAULT_AUTH_REALM = 'mcpo';

export interface ApiKeyAuthOptions {
  /** The shared secret. Must be non-empty. */
  apiKey: string;
  /** Realm in the challenges. Default DEFAULT_AUTH_REALM. */
  realm?: string;
}

/** The SHA-256 of a key (UTF-8): what key checks compare, in constant time. */
export function keyDigest(value: string): Buffer {
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

/**
 * Checks a request's Authorization header against the key: undefined when it carries the right key, else the
 * 401 UNAUTHORIZED error to answer with (a Bearer challenge, and Basic as the top of this file says, for which
 * it reads Sec-Fetch-Mode and Sec-Fetch-Dest: a top-level navigation; `asPage` offers it whatever they say, for
 * pages only a browser uses, such as the connections page). The key is hashed once, by apiKeyCheck.
 */
export type ApiKeyCheck = (header: HeaderLookup, hints?: { asPage?: boolean }) => McpoError | undefined;

/** Whether an Authorization header value uses the Basic scheme. */
function triedBasic(authorization: string | undefined): boolean {
  return authorization !== undefined && /^\s*basic(?:\s|$)/i.test(authorization);
}

/** How a key check answers a request it refuses: the 401 with its challenges. */
export interface Refusals {
  /** The 401 for a request whose Authorization header carries `key` (undefined: no key in a scheme we read). */
  refuse(header: HeaderLookup, key: string | undefined, hints?: { asPage?: boolean }): McpoError;
}

/** The 401 UNAUTHORIZED answers of key checks in `realm` (default DEFAULT_AUTH_REALM). */
export function refusals(realm: string = DEFAULT_AUTH_REALM): Refusals {
  const bearerOnly = { 'WWW-Authenticate': `Bearer realm="${realm}"` };
  // Both in one header value (RFC 9110 §11.6.1), Basic first: browsers decide on a login prompt by the first
  // challenge they support.
  const withBasic = { 'WWW-Authenticate': `Basic realm="${realm}", Bearer realm="${realm}"` };
  return {
    refuse(header, key, hints) {
      const authorization = header('authorization');
      const navigation = hints?.asPage === true || (header('sec-fetch-mode') === 'navigate' && header('sec-fetch-dest') === 'document');
      const headers = triedBasic(authorization) || navigation ? withBasic : bearerOnly;
      if (key !== undefined) return new McpoError('UNAUTHORIZED', 'Invalid API key', { headers });
      // Say which mistake it is: a header in a scheme we do not read looks like a wrong key otherwise.
      const problem = authorization ? 'Unsupported Authorization header' : 'Missing API key';
      return new McpoError('UNAUTHORIZED', `${problem}: send "Authorization: Bearer <key>"`, { headers });
    },
  };
}

/** The key check: the connections page calls it (tool calls and the app identify the caller: identify.ts). */
export function apiKeyCheck(options: ApiKeyAuthOptions): ApiKeyCheck {
  if (!options.apiKey) throw new UsageError('The API key must not be empty');
  const expected = keyDigest(options.apiKey);
  const { refuse } = refusals(options.realm);

  return function checkApiKey(header, hints) {
    const key = presentedKey(header('authorization'));
    if (key !== undefined && timingSafeEqual(keyDigest(key), expected)) return undefined;
    return refuse(header, key, hints);
  };
}
