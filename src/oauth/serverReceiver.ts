/**
 * The receiver on mcpo's own port: the browser comes back to `{publicUrl}/oauth/callback`, answered by mcpo's
 * HTTP server through the process's PendingLogins. Nothing listens on a second port, so mcpo in a container,
 * on a remote host or behind a reverse proxy completes a login from any browser that reaches it.
 *
 * Decisions:
 * - The authorization URL (it carries `state`) is given only to a browser that asks for it through the
 *   connections page's Connect button (which needs the API key, or a loopback client: see the page's route),
 *   in the same answer that sets a cookie binding that browser to the login. The callback is accepted only
 *   with that cookie and the right `state`, both compared in constant time; anything else gets a page while
 *   the login keeps waiting. Nothing else is published: the console and /healthz name the connections page.
 * - Connect again (another tab, another browser, or a user who let the first one sit) binds the new browser
 *   and the old one can no longer complete; the login's time limit starts again from that click.
 * - Cookie: HttpOnly; SameSite=Lax (the authorization server's redirect back is a cross-site top-level GET);
 *   Path = the callback's path, so it goes nowhere else; Secure on an https public URL; Max-Age = the time
 *   limit; named after the login, so logins of several servers in one browser do not overwrite each other.
 * - The first bound callback with the right `state` decides the outcome (code, `error=`, wrong issuer, no
 *   code) and the login leaves the registry: `state` is single-use.
 */
import { randomBytes } from 'node:crypto';
import { interpretCallback, statesEqual, type ExpectedIssuer } from './callbackParams.js';
import type { BrowserBinding, CodeReceiver, PublishedLogin } from './codeReceiver.js';
import { CallbackTimeoutError, OAuthCancelledError, type McpoOAuthError } from './errors.js';
import { cookieValues } from './loginLink.js';
import { DEFAULT_CALLBACK_TIMEOUT_MS, type CallbackClock } from './loopback.js';
import { stateKey, type PendingLogins } from './pendingLogins.js';
import type { CallbackVerdict, FinishedLogin } from './serverPages.js';

/** The callback's path below mcpo's link base (public URL, or listening URL and prefixes). */
export const SERVER_CALLBACK_PATH = '/oauth/callback';
/** The connections page's path below the link base. */
export const CONNECTIONS_PATH = '/oauth';
const COOKIE_PREFIX = 'mcpo_oauth_';

const systemClock: CallbackClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ServerReceiverOptions {
  logins: PendingLogins;
  /** mcpo's link base, e.g. `https://tools.example.com/mcpo`: the callback is `{base}/oauth/callback`. */
  base: string;
  /** The `state` sent in the authorization request. */
  expectedState: string;
  /** The issuer the callback must name (RFC 9207). Default: `iss` is not checked. */
  expectedIssuer?: ExpectedIssuer;
  /** How long a login waits for its callback, counted again from each Connect. Default DEFAULT_CALLBACK_TIMEOUT_MS (5 minutes). */
  timeoutMs?: number;
  /** Aborting rejects `result` with OAuthCancelledError. */
  signal?: AbortSignal;
  /** Default: the global timers. */
  clock?: CallbackClock;
}

/** Registers a login with `options.logins`; it leaves the registry when it settles or closes. */
export function startServerReceiver(options: ServerReceiverOptions): CodeReceiver {
  const { logins, expectedState, expectedIssuer, signal } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  if (signal?.aborted) throw new OAuthCancelledError(undefined, signal.reason);
  const callbackUrl = new URL(`${options.base}${SERVER_CALLBACK_PATH}`);
  const connectionsUrl = `${options.base}${CONNECTIONS_PATH}`;
  const key = stateKey(expectedState);
  const cookieName = `${COOKIE_PREFIX}${key.slice(0, 16).replace(/[^A-Za-z0-9]/g, '0')}`;

  let resolveResult!: (value: { code: string }) => void;
  let rejectResult!: (error: McpoOAuthError) => void;
  const result = new Promise<{ code: string }>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  result.catch(() => undefined); // a caller that close()s without awaiting must not crash the process

  let settled = false;
  let authorizationUrl: URL | undefined;
  /** The binding cookie's value of the browser that clicked Connect last; undefined until one did. */
  let binding: string | undefined;

  const finish = (outcome: { code: string } | McpoOAuthError, how: FinishedLogin): void => {
    if (settled) return;
    settled = true;
    clock.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    logins.finish(key, how);
    if (outcome instanceof Error) rejectResult(outcome);
    else resolveResult(outcome);
  };
  const onAbort = (): void => finish(new OAuthCancelledError(undefined, signal?.reason), 'cancelled');
  const startTimer = (): unknown => clock.setTimeout(() => finish(new CallbackTimeoutError(timeoutMs), 'expired'), timeoutMs);

  const isBound = (cookieHeader: string | undefined): boolean => {
    // Every candidate is compared (a stale cookie of an earlier login may sit next to this one).
    let bound = false;
    for (const value of cookieValues(cookieHeader, cookieName)) if (binding !== undefined && statesEqual(value, binding)) bound = true;
    return bound;
  };

  const answer = (params: URLSearchParams, cookieHeader: string | undefined): CallbackVerdict => {
    // Found by the hash of `state`; the state itself is compared here, in constant time, before anything else.
    const state = params.get('state') ?? '';
    const bound = statesEqual(state, expectedState) && isBound(cookieHeader);
    if (!bound || settled) return { kind: 'unbound' };
    const outcome = interpretCallback(params, expectedState, expectedIssuer);
    if (outcome.ok) {
      finish({ code: outcome.code }, 'completed');
      return { kind: 'completed' };
    }
    finish(outcome.error, 'failed');
    return { kind: 'failed', message: outcome.error.message };
  };

  const bindBrowser = (): BrowserBinding => {
    if (!authorizationUrl || settled) throw new OAuthCancelledError('This login is no longer waiting for a browser');
    binding = randomBytes(32).toString('base64url');
    clock.clearTimeout(timer);
    timer = startTimer();
    const maxAge = Math.max(1, Math.ceil(timeoutMs / 1000));
    const secure = callbackUrl.protocol === 'https:' ? '; Secure' : '';
    return {
      location: authorizationUrl.href,
      setCookie: `${cookieName}=${binding}; Path=${callbackUrl.pathname}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`,
    };
  };

  logins.register({ key, answer });
  let timer = startTimer();
  signal?.addEventListener('abort', onAbort, { once: true });

  return {
    redirectUri: callbackUrl.href,
    result,
    publish: (url): PublishedLogin => {
      authorizationUrl ??= url;
      return { link: connectionsUrl, publicLink: connectionsUrl, bindBrowser, launchBrowser: false };
    },
    close: async () => finish(new OAuthCancelledError('The authorization callback receiver was closed'), 'cancelled'),
  };
}
