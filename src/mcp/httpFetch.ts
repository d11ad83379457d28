/**
 * The fetch that MCP traffic to streamable-HTTP and SSE servers goes through: node:http(s) with
 * keep-alive agents, instead of the global fetch (undici).
 *
 * Why (issue #6, measured with `npm run bench`): per call, undici's fetch builds a Request, a fetch
 * controller and several WHATWG streams, and it ties every request to the transport's one shared
 * AbortSignal with a listener that is removed only when the garbage collector finalises the request.
 * Under load thousands of listeners pile up on that signal (Node prints MaxListenersExceededWarning
 * to mcpo's stderr), each new request scans them, and the WeakRefs push the requests into old space,
 * so the GC threads cost as much again. This fetch keeps one listener per signal, removes each request
 * from it when the request ends, and halves mcpo's CPU per proxied HTTP call.
 *
 * It implements what the SDK transports use: string or byte bodies, `redirect: 'manual'` (the SDK's
 * own same-origin rule decides what to follow) and `redirect: 'error'`, abort signals, and gzip /
 * deflate / br bodies should a server compress without being asked, and the global fetch's limits on idle
 * pooled connections (4 s) and on a silent server (300 s). Anything else (following
 * redirects, stream or form bodies) is handed to `fallback` (the global fetch by default).
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { MAX_TIMER_MS } from '../config/schema.js';
import { McpoError } from '../errors.js';
import { onAbort } from './abortFanout.js';
import { asResponse, NodeBodyResponse, wantsNodeBody } from './http/nodeResponse.js';

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface HttpFetchOptions {
  /** Default: one keep-alive agent per protocol, shared by every server. */
  agents?: { http: http.Agent; https: https.Agent };
  /** For requests this fetch does not handle itself. Default: the global fetch. */
  fallback?: FetchLike;
  /** Sent when the request names none (some firewalls refuse requests without one, and the global fetch sends "node"). */
  userAgent?: string;
  /** Give a request up when the server sends nothing for this long, before or during the body. Default DEFAULT_REQUEST_IDLE_MS. */
  requestIdleMs?: number;
}

export const DEFAULT_USER_AGENT = 'mcpo';

/**
 * How long a kept-alive connection may sit unused before this side closes it: the global fetch's (undici's)
 * default. Servers that close idle connections without announcing when (uvicorn, so most Python MCP servers,
 * after 5 s) would otherwise race the next request, which then fails with "socket hang up". A server's
 * `Keep-Alive: timeout=N` shortens it (Node's agent closes a second before N).
 */
export const DEFAULT_IDLE_SOCKET_MS = 4_000;

/** Keep-alive agents whose unused connections close after `idleMs`; connections in use never time out. */
export function createKeepAliveAgents(idleMs: number = DEFAULT_IDLE_SOCKET_MS): { http: http.Agent; https: https.Agent } {
  // The agent applies `timeout` to pooled sockets and destroys them on it; a socket carrying a request (a
  // silent event stream) only gets a 'timeout' event, which nothing here listens to.
  return { http: new http.Agent({ keepAlive: true, timeout: idleMs }), https: new https.Agent({ keepAlive: true, timeout: idleMs }) };
}

const sharedAgents = createKeepAliveAgents();

/**
 * The global fetch's (undici's) headersTimeout and bodyTimeout. Without a limit, every call to a tool that
 * never answers kept its connection open after the call had timed out, until the transport closed.
 */
export const DEFAULT_REQUEST_IDLE_MS = 300_000;


/** The server sent nothing for `idleMs`: the cause of the fetch's TypeError, or the error of the body stream. */
export class ServerSilentError extends McpoError {
  constructor(idleMs: number) {
    super('TIMEOUT', `the server sent nothing for ${idleMs / 1000} s`, { details: { idleSeconds: idleMs / 1000 } });
  }
}

/**
 * A RequestInit key (a symbol, so it survives the `{ ...init }` copies the SDK and authFetch make) with a
 * longer idle limit for one request than the fetch's own: see withIdleLimit.
 */
const IDLE_LIMIT = Symbol('mcpo.requestIdleMs');
type InitWithIdleLimit = RequestInit & { [IDLE_LIMIT]?: number };

/**
 * `fetch` with every request allowed `idleMs` of silence when that is longer than httpFetch's own limit:
 * a server entry whose calls may run longer than DEFAULT_REQUEST_IDLE_MS (its `timeout`) must not have
 * them cut at five minutes by the transport underneath.
 */
export function withIdleLimit(fetch: FetchLike, idleMs: number): FetchLike {
  return (url, init) => fetch(url, { ...init, [IDLE_LIMIT]: idleMs } as InitWithIdleLimit);
}

/** What the fetch standard treats as a redirect (300, 304, 305 are ordinary responses). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createHttpFetch(options: HttpFetchOptions = {}): FetchLike {
  const agents = options.agents ?? sharedAgents;
  const fallback = options.fallback ?? ((url, init) => fetch(url, init));
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const requestIdleMs = options.requestIdleMs ?? DEFAULT_REQUEST_IDLE_MS;

  return function httpFetch(input, init) {
    const url = new URL(input);
    const body = requestBody(init?.body);
    const handled = (url.protocol === 'http:' || url.protocol === 'https:') && (init?.redirect === 'manual' || init?.redirect === 'error') && body !== UNSUPPORTED;
    if (!handled) return fallback(input, init);
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);

    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    headers['user-agent'] ??= userAgent;
    if (body !== undefined) headers['content-length'] = String(body.byteLength);
    const method = (init?.method ?? 'GET').toUpperCase();
    const agent = url.protocol === 'https:' ? agents.https : agents.http;

    return new Promise<Response>((resolve, reject) => {
      let response: http.IncomingMessage | undefined;
      const request = (url.protocol === 'https:' ? https : http).request(url, { method, headers, agent });
      const stopWatching = signal
        ? onAbort(signal, () => {
            const reason: unknown = signal.reason;
            if (response) response.destroy(reason instanceof Error ? reason : new Error(String(reason)));
            else request.destroy();
            reject(reason);
          })
        : undefined;
      // The socket's idle timer (refreshed by every read and write), so this costs no timer of its own; Node
      // clears it when the socket goes back to the pool.
      // At most the longest delay a timer holds: beyond it Node warns on stderr (TimeoutOverflowWarning) per request.
      const idleMs = Math.min(Math.max(requestIdleMs, (init as InitWithIdleLimit | undefined)?.[IDLE_LIMIT] ?? 0), MAX_TIMER_MS);
      request.setTimeout(idleMs, () => {
        const error = new ServerSilentError(idleMs);
        if (response) response.destroy(error);
        else request.destroy(error);
      });
      request.once('close', () => {
        // The request closes once its response has ended (or failed): the signal has nothing left to abort.
        if (!response) stopWatching?.();
      });
      request.once('error', (cause) => {
        stopWatching?.();
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause }));
      });
      request.once('response', (res) => {
        response = res;
        res.once('close', () => stopWatching?.());
        try {
          resolve(toResponse(res, url, method, init));
        } catch (error) {
          res.destroy();
          reject(error);
        }
      });
      request.end(body);
    });
  };
}

/** The fetch of every MCP transport to an HTTP server (one set of keep-alive connections per process). */
export const mcpHttpFetch: FetchLike = createHttpFetch();

const UNSUPPORTED = Symbol('unsupported body');

function requestBody(body: RequestInit['body']): Uint8Array | undefined | typeof UNSUPPORTED {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  return UNSUPPORTED;
}

function toResponse(res: http.IncomingMessage, url: URL, method: string, init: RequestInit | undefined): Response {
  const status = res.statusCode ?? 0;
  if (init?.redirect === 'error' && REDIRECT_STATUSES.has(status)) throw new TypeError('fetch failed', { cause: new Error(`redirect (${status}) refused: redirect mode is "error"`) });
  if (status < 200 || status > 599) throw new TypeError('fetch failed', { cause: new Error(`invalid response status ${status}`) });
  const noBody = NULL_BODY_STATUSES.has(status) || method === 'HEAD';
  if (noBody) res.resume();
  const encoding = res.headers['content-encoding'];
  if (wantsNodeBody(init)) {
    return asResponse(new NodeBodyResponse({ status, statusText: res.statusMessage ?? '', headers: res.headers, url: url.href, body: noBody ? undefined : decoded(res, encoding) }));
  }
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const response = new Response(noBody ? null : (Readable.toWeb(decoded(res, encoding)) as ReadableStream<Uint8Array>), {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
  // What the SDK's redirect handling and error messages read; the global fetch sets it the same way.
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/** As the global fetch decodes: a body cut before the compressed stream's trailer yields what arrived. */
const LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };

/** The body with its Content-Encoding undone, as the global fetch does (the header is left as received). */
function decoded(res: http.IncomingMessage, header: string | undefined): Readable {
  const encoding = header?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip(LENIENT)
      : encoding === 'deflate'
        ? zlib.createInflate(LENIENT)
        : encoding === 'br'
          ? zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH })
          : undefined;
  if (!decoder) return res;
  res.once('error', (error) => decoder.destroy(error));
  decoder.once('close', () => res.destroy());
  return res.pipe(decoder);
}
