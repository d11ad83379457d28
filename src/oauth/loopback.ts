/**
 * The loopback redirect receiver for native apps (RFC 8252 §7.3): a one-shot HTTP server on 127.0.0.1
 * that waits for the browser to come back from the authorization server with `?code=…&state=…`.
 *
 * Decisions:
 * - Binds 127.0.0.1 only (never 0.0.0.0 or ::), and the redirect URI uses the IP literal, not "localhost"
 *   (RFC 8252 §8.3: "localhost" may resolve elsewhere).
 * - The first request to the callback path decides the outcome, and the server then closes. A missing or
 *   wrong `state` REJECTS the flow instead of waiting on: it is either a stale tab from an earlier attempt
 *   (whose code could not be used anyway) or a forged request, and failing loudly tells the user to start
 *   again instead of leaving them with a login that silently never completes. A wrong code is never accepted.
 * - Other paths (e.g. /favicon.ico) get a 404 and do not end the wait; so do requests a web page fires in
 *   the background (Sec-Fetch-Dest not `document`: 403), which would otherwise let any open page end the login.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interpretCallback, type ExpectedIssuer } from './callbackParams.js';
import { alreadyFinishedPage, failurePage, notFoundPage, PAGE_HEADERS, successPage } from './callbackPages.js';
import {
  CallbackListenError,
  CallbackPortInUseError,
  CallbackTimeoutError,
  OAuthCancelledError,
  type McpoOAuthError,
} from './errors.js';

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
}

export interface LoopbackReceiver {
  /** `http://127.0.0.1:PORT/callback`, to send as redirect_uri. */
  readonly redirectUri: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
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
  let responseSent: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    req.resume(); // no body is expected; drain whatever comes so the socket can close cleanly
    const url = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}`);
    if (url.pathname !== callbackPath) return respond(res, 404, notFoundPage());
    if (req.method !== 'GET') return respond(res, 405, notFoundPage(), { Allow: 'GET' });
    if (settled) return respond(res, 409, alreadyFinishedPage());
    if (isBackgroundRequest(req)) return respond(res, 403, notFoundPage());
    const outcome = interpretCallback(url.searchParams, options.expectedState, options.expectedIssuer);
    // Settle at once, but close only once the page has gone out (or the browser hung up).
    responseSent = new Promise((resolve) => res.once('close', resolve)).then(shutdown);
    respond(res, outcome.ok ? 200 : 400, outcome.ok ? successPage() : failurePage(outcome.error));
    finish(outcome.ok ? { code: outcome.code } : outcome.error, false);
  });

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
