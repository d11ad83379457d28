/**
 * Who is calling: the one owner of that decision, for tool calls (toolRoute.ts) and, under strictAuth, for the rest
 * of the app. The request's key (Bearer, or the Basic password, as auth.ts reads it) is hashed once with SHA-256 and
 * compared in constant time with the operator's key (`--api-key`) and with every user's (`users` in the config).
 *
 * - A user's key: that user. A user header on the same request is ignored (a user cannot name someone else).
 * - The operator's key: the operator, unless `--user-header` is set and the request carries it; then the user that
 *   header names. Only the front-end holding the operator's key can name users this way: the header is believed
 *   on no request without that key.
 * - No key, or a wrong one: 401 when a key is needed (an operator key is set, or users are configured); otherwise
 *   the operator, as before users existed.
 * - A user header value longer than MAX_USER_HEADER_LENGTH, empty, or with control characters: 400.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { McpoError, UsageError } from '../errors.js';
import { keyDigest, presentedKey, refusals } from './auth.js';
import { OPERATOR, type Caller } from './caller.js';
import type { HeaderLookup } from './requestView.js';
import type { UserKeys } from './userKeys.js';

/** The longest user name a user header may carry. */
export const MAX_USER_HEADER_LENGTH = 256;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 §5.6.2 token
// C0 controls (tab included), DEL and C1 controls: node hands header bytes over as Latin-1 characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface CallerIdentificationOptions {
  /** The operator's key (`--api-key`). Default: none. */
  apiKey?: string;
  /** The users' keys; read on every request, so a hot reload's replace() applies at once. */
  users: UserKeys;
  /** `--user-header`: the header naming the user on requests with the operator's key. Needs `apiKey`. Default: none. */
  userHeader?: string;
  /** Realm in the 401 challenges. Default DEFAULT_AUTH_REALM. */
  realm?: string;
}

/** Who a request calls as; throws McpoError: 401 UNAUTHORIZED (with its challenges) or 400 BAD_REQUEST. */
export type IdentifyCaller = (header: HeaderLookup, hints?: { asPage?: boolean }) => Caller;

/** The user header's name, lower case; UsageError for a name that is not a header name or that carries the key. */
export function userHeaderName(name: string, flag = '--user-header'): string {
  if (!HEADER_NAME.test(name)) throw new UsageError(`${flag} must be an HTTP header name like X-OpenWebUI-User-Email, got ${JSON.stringify(name)}`);
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'host' || lower === 'cookie') throw new UsageError(`${flag} cannot be ${name}: choose the header your front-end puts the user's name in`);
  return lower;
}

/** The check, with its keys digested once. Throws UsageError for a user header without an operator key. */
export function callerIdentification(options: CallerIdentificationOptions): IdentifyCaller {
  if (options.apiKey === '') throw new UsageError('The API key must not be empty');
  if (options.userHeader !== undefined && options.apiKey === undefined) {
    throw new UsageError('--user-header needs --api-key: the header is believed only on requests carrying that key (the front-end\'s)');
  }
  const operator = options.apiKey === undefined ? undefined : keyDigest(options.apiKey);
  const userHeader = options.userHeader === undefined ? undefined : userHeaderName(options.userHeader);
  const { users } = options;
  const { refuse } = refusals(options.realm);

  /** The user `value` (the user header's) names; 400 when it cannot be a name. */
  const namedUser = (value: string): Caller => {
    const problem =
      value === ''
        ? 'is empty'
        : value.length > MAX_USER_HEADER_LENGTH
          ? `is ${value.length} characters long; at most ${MAX_USER_HEADER_LENGTH} are allowed`
          : CONTROL.test(value)
            ? 'contains control characters'
            : undefined;
    if (problem) {
      throw new McpoError('BAD_REQUEST', `The ${options.userHeader} header ${problem}: it must name the user the call is made for`, {
        details: { header: options.userHeader },
      });
    }
    return { kind: 'user', name: value, via: 'header' };
  };

  return function identifyCaller(header, hints) {
    const key = presentedKey(header('authorization'));
    const keyNeeded = operator !== undefined || users.size > 0;
    if (key === undefined) {
      if (keyNeeded) throw refuse(header, undefined, hints);
      return OPERATOR;
    }
    const digest = keyDigest(key);
    const isOperator = operator !== undefined && timingSafeEqual(digest, operator);
    const user = users.match(digest);
    if (isOperator) {
      const named = userHeader === undefined ? undefined : header(userHeader);
      return named === undefined ? OPERATOR : namedUser(named);
    }
    if (user !== undefined) return { kind: 'user', name: user, via: 'key' };
    if (keyNeeded) throw refuse(header, key, hints);
    // Without keys a request's Authorization header is not mcpo's business (it may be meant for a proxy).
    return OPERATOR;
  };
}

/** Middleware refusing requests identifyCaller refuses (the app's routes under strictAuth). */
export function callerAuth(identify: IdentifyCaller): MiddlewareHandler {
  return async function callerAuthMiddleware(c, next) {
    identify((name) => c.req.header(name));
    await next();
  };
}
