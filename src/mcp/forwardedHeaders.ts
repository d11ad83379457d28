/**
 * `client_header_forwarding`: which headers of the REST request go on to a remote MCP server with that call's
 * HTTP request, and how they get there. The selection is made here once per call; the headers then travel in
 * an AsyncLocalStorage scope around the call, read by the fetch every MCP request of the transport goes
 * through (so both streamable HTTP and SSE send them, and nothing else on the way needs a new parameter).
 *
 * What is never forwarded, whatever the lists say: headers of this hop or of the MCP protocol itself
 * (Host, Content-Length, Mcp-Session-Id…); credentials, Origin, Referer, Sec-*, Forwarded, Via and X-Forwarded-*
 * unless the allow-list names them exactly (a `*` or `X-*` pattern does not); Authorization never to a server whose authorization
 * mcpo does itself (OAuth, or a configured Authorization header), nor when it is mcpo's own API key. A
 * configured header is never overridden.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { HeaderForwarding } from '../config/headerForwarding.js';
import type { ServerEntry } from '../config/types.js';
import type { Logger } from '../log/logger.js';

/** Headers that belong to one HTTP hop or to the MCP transport: forwarding them would break the request. */
const NEVER_FORWARDED: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'content-length',
  'content-type',
  'content-encoding',
  'accept',
  'accept-encoding',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

/**
 * Forwarded only when the allow-list names them exactly (a `*` or prefix pattern does not): credentials; what a
 * browser says about the page that made the request (an SDK server with DNS-rebinding protection refuses a
 * foreign Origin); and what proxies say about the route, which a REST client could forge.
 */
const EXACT_NAME_ONLY: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization', 'origin', 'referer', 'forwarded', 'via']);
const EXACT_NAME_ONLY_PREFIXES: readonly string[] = ['sec-', 'x-forwarded-'];

function exactNameOnly(name: string): boolean {
  return EXACT_NAME_ONLY.has(name) || EXACT_NAME_ONLY_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The headers of one REST request, as name/value pairs (names in any case; a repeated name may come twice). */
export type RequestHeaders = () => Iterable<readonly [string, string]>;

export interface ForwardingRules {
  rules: HeaderForwarding;
  /** The entry's configured headers (they win over forwarded ones). */
  configured: Readonly<Record<string, string>>;
  /**
   * Authorization is never forwarded: mcpo authorizes this server itself (OAuth), or the REST request's
   * Authorization is mcpo's own API key (with --api-key, the only one that gets past mcpo).
   */
  authorizationReserved: boolean;
}

/**
 * The forwarding rules of `entry`, or undefined when it forwards nothing. A stdio entry with forwarding set is
 * warned about: it has no HTTP requests to carry headers.
 */
export function forwardingRules(entry: ServerEntry, apiKeyInAuthorization: boolean, logger: Logger): ForwardingRules | undefined {
  if (!entry.headerForwarding) return undefined;
  if (entry.kind === 'stdio') {
    logger.warn('client_header_forwarding applies to remote servers only: a stdio server gets no HTTP headers', { server: entry.name });
    return undefined;
  }
  return { rules: entry.headerForwarding, configured: entry.headers, authorizationReserved: entry.oauth !== undefined || apiKeyInAuthorization };
}

/** The headers of `request` that the rules let through, names lowercased, repeated ones joined with ", "; undefined when none. */
export function selectForwardedHeaders(request: RequestHeaders, forwarding: ForwardingRules): Record<string, string> | undefined {
  const { rules } = forwarding;
  const configured = new Set(Object.keys(forwarding.configured).map((name) => name.toLowerCase()));
  let selected: Record<string, string> | undefined;
  for (const [rawName, value] of request()) {
    const name = rawName.toLowerCase();
    if (NEVER_FORWARDED.has(name) || configured.has(name)) continue;
    if (rules.deny.some((pattern) => matches(pattern, name))) continue;
    if (exactNameOnly(name) ? !rules.allow.includes(name) || (name === 'authorization' && forwarding.authorizationReserved) : !rules.allow.some((pattern) => matches(pattern, name))) continue;
    selected ??= Object.create(null) as Record<string, string>;
    selected[name] = name in selected ? `${selected[name]}, ${value}` : value;
  }
  return selected;
}

/** `*` (any), `x-user-*` (a prefix), or an exact name; patterns are lowercase already. */
function matches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

const scope = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** Runs `fn` (one call's MCP requests) with `headers` added to every HTTP request it makes. */
export function withForwardedHeaders<T>(headers: Readonly<Record<string, string>> | undefined, fn: () => T): T {
  return headers ? scope.run(headers, fn) : fn();
}

/** Runs `fn` outside any call's scope: a new session or a liveness ping must not carry one user's headers. */
export function outsideForwarding<T>(fn: () => T): T {
  return scope.getStore() === undefined ? fn() : scope.exit(fn);
}

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** `fetch` that adds the current call's forwarded headers to each request, never replacing one already set. */
export function forwardingFetch<F extends Fetch>(fetch: F): F {
  return ((url: string | URL, init?: RequestInit) => {
    const forwarded = scope.getStore();
    if (!forwarded) return fetch(url, init);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(forwarded)) if (!headers.has(name)) headers.set(name, value);
    return fetch(url, { ...init, headers });
  }) as F;
}
