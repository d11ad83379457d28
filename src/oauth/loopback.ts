/**
 * The loopback redirect receiver for native apps (RFC 8252 §7.3): a one-shot HTTP server on 127.0.0.1
 * that waits for the browser to come back from the authorization server with `?code=…&state=…`.
 *
 * Decisions:
 * - Binds 127.0.0.1 only (never 0.0.0.0 or ::), and the redirect URI uses the IP literal, not "localhost"
 *   (RFC 8252 §8.3: "localhost" may resolve elsewhere).
 * - It also serves the flow's login link (loginLink.ts: GET /start?ticket=…), the only URL mcpo publishes:
 *   opening it binds the browser with a cookie, and a callback from a browser without that cookie is
 *   refused (403) while the login keeps waiting. So does a callback with a missing or wrong `state` (400):
 *   any page the user visits can navigate the browser to the callback, and must not be able to end the login.
 * - The first bound callback with the right `state` decides the outcome (code, `error=`, wrong issuer), and
 *   the server then closes. A wrong code is never accepted.
 * - Other paths (e.g. /favicon.ico) get a 404 and do not end the wait; so do requests a web page fires in
 *   the background (Sec-Fetch-Dest not `document`: 403).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interpretCallback, type ExpectedIssuer } from './callbackParams.js';
import { alreadyFinishedPage, failurePage, consoleLinkPage, linkUsedPage, notFoundPage, PAGE_HEADERS, stillWaitingPage, successPage, unboundBrowserPage } from './callbackPages.js';
import {
  CallbackListenError,
  CallbackPortInUseError,
  CallbackTimeoutError,
  OAuthCancelledError,
  StateMismatchError,
  type McpoOAuthError,
} from './errors.js';
import { LoginLink, START_PATH } from './loginLink.js';

/** The only address the receiver listens on. */
export const LOOPBACK_HOST = '127.0.0.1';
export const DEFAULT_CALLBACK_PATH = '/callback';
/** How long to wait for the browser to come back: 5 minutes. */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5 * 60_000;

/** Timer functions, injectable so tests can fire the timeout without waiting. */
export interface CallbackClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: CallbackClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LoopbackReceiverOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Callback path. Default DEFAULT_CALLBACK_PATH ('/callback'). */
  path?: string;
  /** The `state` sent in the authorization request. */
  expectedState: string;
  /** The issuer the callback must name (RFC 9207). Default: `iss` is not checked. */
  expectedIssuer?: ExpectedIssuer;
  /** Default DEFAULT_CALLBACK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Aborting rejects `result` with OAuthCancelledError and closes the server. */
  signal?: AbortSignal;
  /** Default: the global setTimeout/clearTimeout. */
  clock?: CallbackClock;
  /** Told when a browser other than the bound one opens the login link (someone else has the link). */
  onLinkReused?: () => void;
}

export interface LoopbackReceiver {
  /** `http://127.0.0.1:PORT/callback`, to send as redirect_uri. */
  readonly redirectUri: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /**
   * Makes the login link that leads to `authorizationUrl` (once per receiver): `link` for the operator's
   * console and the browser mcpo launches, `publicLink` (no ticket) for status pages. Until then, and for
   * browsers that did not open `link`, callbacks are refused.
   */
  publish(authorizationUrl: URL): { link: string; publicLink: string };
  /**
   * Resolves with the authorization code; rejects with StateMismatchError, AuthorizationResponseIssuerError,
   * AuthorizationResponseError, MissingAuthorizationCodeError, CallbackTimeoutError or OAuthCancelledError.
   * The server closes either way.
   */
  readonly result: Promise<{ code: string }>;
  /** Stops listening (rejecting `result` with OAuthCancelledError if still pending). Idempotent. */
  close(): Promise<void>;
}

/** Starts listening on 127.0.0.1; rejects with CallbackPortInUseError or CallbackListenError if it cannot. */
export async function startLoopbackReceiver(options: LoopbackReceiverOptions): Promise<LoopbackReceiver> {
  const callbackPath = options.path ?? DEFAULT_CALLBACK_PATH;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const { signal } = options;
  if (signal?.aborted) throw new OAuthCancelledError(undefined, signal.reason);

  let resolveResult!: (value: { code: string }) => void;
  let rejectResult!: (error: McpoOAuthError) => void;
  const result = new Promise<{ code: string }>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // Callers that close() without awaiting `result` must not crash the process with an unhandled rejection.
  result.catch(() => undefined);

  // The handler, timer and abort listener below only run once listen() succeeded, after all of these exist.
  let settled = false;
  let link: LoginLink | undefined;
  let responseSent: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    req.resume(); // no body is expected; drain whatever comes so the socket can close cleanly
    const url = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}`);
    if (url.pathname === START_PATH && req.method === 'GET' && !settled && !isBackgroundRequest(req)) return start(req, res, url);
    if (url.pathname !== callbackPath) return respond(res, 404, notFoundPage());
    if (req.method !== 'GET') return respond(res, 405, notFoundPage(), { Allow: 'GET' });
    if (settled) return respond(res, 409, alreadyFinishedPage());
    if (isBackgroundRequest(req)) return respond(res, 403, notFoundPage());
    if (!link?.isBound(req.headers.cookie)) return respond(res, 403, unboundBrowserPage());
    const outcome = interpretCallback(url.searchParams, options.expectedState, options.expectedIssuer);
    if (!outcome.ok && outcome.error instanceof StateMismatchError) return respond(res, 400, stillWaitingPage(outcome.error));
    // Settle at once, but close only once the page has gone out (or the browser hung up).
    responseSent = new Promise((resolve) => res.once('close', resolve)).then(shutdown);
    respond(res, outcome.ok ? 200 : 400, outcome.ok ? successPage() : failurePage(outcome.error));
    finish(outcome.ok ? { code: outcome.code } : outcome.error, false);
  });

  const start = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const outcome = link ? link.start(url.searchParams.get('ticket'), req.headers.cookie) : { kind: 'unknown' as const };
    if (outcome.kind === 'unknown') return respond(res, 404, notFoundPage());
    if (outcome.kind === 'console') return respond(res, 200, consoleLinkPage());
    if (outcome.kind === 'used') {
      options.onLinkReused?.();
      return respond(res, 409, linkUsedPage());
    }
    res.writeHead(302, { ...PAGE_HEADERS, Location: outcome.location, 'Set-Cookie': outcome.setCookie, Connection: 'close' });
    res.end();
  };

  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  const finish = (outcome: { code: string } | McpoOAuthError, closeNow = true): void => {
    if (settled) return;
    settled = true;
    clock.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (outcome instanceof Error) rejectResult(outcome);
    else resolveResult(outcome);
    if (closeNow) void shutdown();
  };
  const onAbort = (): void => finish(new OAuthCancelledError(undefined, signal?.reason));

  const port = await listen(server, options.port ?? 0);
  const timer = clock.setTimeout(() => finish(new CallbackTimeoutError(timeoutMs)), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort(); // aborted while we were binding

  return {
    redirectUri: `http://${LOOPBACK_HOST}:${port}${callbackPath}`,
    port,
    result,
    publish: (authorizationUrl) => {
      link ??= new LoginLink(`http://${LOOPBACK_HOST}:${port}`, authorizationUrl, timeoutMs);
      return { link: link.href, publicLink: link.publicHref };
    },
    close: async () => {
      finish(new OAuthCancelledError('The authorization callback receiver was closed'));
      await responseSent; // do not cut off the page the browser is receiving
      await shutdown();
    },
  };
}

/**
 * A request a web page fired in the background (an <img>, a fetch, an iframe): browsers mark it with a
 * Sec-Fetch-Dest other than `document`. Any page the user has open could otherwise end the login with a
 * forged callback; the authorization server's redirect (and a stale tab) is a top-level navigation.
 * Clients that send no Sec-Fetch-Dest (older browsers, curl, Node's fetch) are let through.
 */
function isBackgroundRequest(req: IncomingMessage): boolean {
  const dest = req.headers['sec-fetch-dest'];
  return dest !== undefined && dest !== 'document';
}

function respond(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, ...headers, Connection: 'close' });
  res.end(html);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? new CallbackPortInUseError(port, err) : new CallbackListenError(port, err));
    };
    server.once('error', onError);
    server.listen({ host: LOOPBACK_HOST, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
