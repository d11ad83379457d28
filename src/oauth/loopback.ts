/**
 * The loopback redirect receiver for native apps (RFC 8252 §7.3): a one-shot HTTP server on 127.0.0.1
 * that waits for the browser to come back from the authorization server with `?code=…&state=…`.
 *
 * Decisions:
 * - Binds 127.0.0.1 only (never 0.0.0.0 or ::), and the redirect URI uses the IP literal, not "localhost"
 *   (RFC 8252 §8.3: "localhost" may resolve elsewhere).
 * - It also serves the flow's login link (loginLink.ts: GET /start), the only URL mcpo publishes: opening it
 *   binds the browser with a cookie.
 * - Where the owner of a connection can be told (loopbackPeer.ts, Linux), a connection of another local user
 *   is refused on both routes (403) whatever it presents, and the login keeps waiting: other users can read
 *   every command line, so a ticket handed to a browser is no proof of anything. While too many connections
 *   wait for that lookup, more are answered 503 with Retry-After (the login keeps waiting).
 * - A callback with a missing or wrong `state` is refused (400) while the login keeps waiting: any page the
 *   user visits can navigate the browser to the callback, and must not be able to end the login.
 * - A callback with the right `state` from a browser without the binding cookie, or the link opened by a
 *   second browser (loginLink.ts), cancels the login: someone else has taken part in it, and whatever
 *   they approved must never be saved. The next login starts over with a new state and link.
 * - The first bound callback with the right `state` decides the outcome (code, `error=`, wrong issuer), and
 *   the server then closes. A wrong code is never accepted.
 * - Other paths (e.g. /favicon.ico) get a 404 and do not end the wait; so do requests a web page fires in
 *   the background (Sec-Fetch-Dest not `document`: 403).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interpretCallback, type ExpectedIssuer } from './callbackParams.js';
import { alreadyFinishedPage, busyPage, cancelledPage, consoleLinkPage, failurePage, notFoundPage, otherUserPage, PAGE_HEADERS, stillWaitingPage, successPage } from './callbackPages.js';
import {
  CallbackListenError,
  CallbackPortInUseError,
  CallbackTimeoutError,
  LoginInterceptedError,
  OAuthCancelledError,
  PeerLookupBusyError,
  StateMismatchError,
  type McpoOAuthError,
} from './errors.js';
import { LoginLink, START_PATH } from './loginLink.js';
import { classifyPeer, procNetPeers, type PeerIdentity } from './loopbackPeer.js';

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
  /** Who owns a connection. Default procNetPeers() (Linux's socket tables; none elsewhere). */
  peers?: PeerIdentity;
  /** The operator's user: connections of another one are refused. Default the effective uid. */
  euid?: number;
  /** Told when another local user's connection was refused. */
  onOtherUser?: (uid: number, route: 'link' | 'callback') => void;
}

export interface LoopbackReceiver {
  /** `http://127.0.0.1:PORT/callback`, to send as redirect_uri. */
  readonly redirectUri: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /**
   * Makes the login link that leads to `authorizationUrl` (once per receiver): `link` (with its ticket) for
   * the operator's console, `launchLink` for the browser mcpo launches (no ticket where connections' owners
   * can be told: it goes on a command line), `publicLink` (no ticket) for status pages. Callbacks from
   * browsers that did not open one of them cancel the login.
   */
  publish(authorizationUrl: URL): { link: string; launchLink: string; publicLink: string };
  /**
   * Resolves with the authorization code; rejects with AuthorizationResponseIssuerError,
   * AuthorizationResponseError, MissingAuthorizationCodeError, LoginInterceptedError, CallbackTimeoutError
   * or OAuthCancelledError. The server closes either way.
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
  const peers = options.peers ?? procNetPeers();
  const euid = 'euid' in options ? options.euid : process.geteuid?.();
  const server = createServer((req, res) => {
    req.resume(); // no body is expected; drain whatever comes so the socket can close cleanly
    const url = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}`);
    const route = url.pathname === START_PATH ? 'link' : url.pathname === callbackPath ? 'callback' : undefined;
    if (route === undefined) return respond(res, 404, notFoundPage());
    if (req.method !== 'GET') return respond(res, 405, notFoundPage(), { Allow: 'GET' });
    if (settled) return respond(res, 409, alreadyFinishedPage());
    if (isBackgroundRequest(req)) return respond(res, 403, notFoundPage());
    const owner = peers.available ? peers.uidOf(req.socket) : Promise.resolve(undefined);
    void owner.catch((error: unknown) => (error instanceof PeerLookupBusyError ? error : undefined)).then((uid) => {
      if (uid instanceof PeerLookupBusyError) return respond(res, 503, busyPage(), uid.headers);
      if (settled) return respond(res, 409, alreadyFinishedPage());
      const peer = classifyPeer(uid, euid);
      if (peer === 'other') {
        options.onOtherUser?.(uid!, route);
        return respond(res, 403, otherUserPage());
      }
      return route === 'link' ? start(req, res, url, peer) : callback(req, res, url);
    });
  });

  const start = (req: IncomingMessage, res: ServerResponse, url: URL, opener: 'self' | 'unknown'): void => {
    const outcome = link ? link.start(url.searchParams.get('ticket'), req.headers.cookie, opener) : { kind: 'unknown' as const };
    if (outcome.kind === 'unknown') return respond(res, 404, notFoundPage());
    if (outcome.kind === 'console') return respond(res, 200, consoleLinkPage());
    if (outcome.kind === 'reused') return settleWith(res, 409, new LoginInterceptedError('link_reused'));
    res.writeHead(302, { ...PAGE_HEADERS, Location: outcome.location, 'Set-Cookie': outcome.setCookie, Connection: 'close' });
    res.end();
  };

  const callback = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const outcome = interpretCallback(url.searchParams, options.expectedState, options.expectedIssuer);
    if (!outcome.ok && outcome.error instanceof StateMismatchError) return respond(res, 400, stillWaitingPage(outcome.error));
    if (!link?.isBound(req.headers.cookie)) return settleWith(res, 403, new LoginInterceptedError('unbound_callback'));
    settleWith(res, outcome.ok ? 200 : 400, outcome.ok ? { code: outcome.code } : outcome.error);
  };

  /** Settles at once, but closes only once the page has gone out (or the browser hung up). */
  const settleWith = (res: ServerResponse, status: number, outcome: { code: string } | McpoOAuthError): void => {
    responseSent = new Promise((resolve) => res.once('close', resolve)).then(shutdown);
    const page = outcome instanceof LoginInterceptedError ? cancelledPage(outcome) : outcome instanceof Error ? failurePage(outcome) : successPage();
    respond(res, status, page);
    finish(outcome, false);
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
      return { link: link.href, launchLink: link.launchHref(peers.available && euid !== undefined), publicLink: link.publicHref };
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
