/**
 * DNS-rebinding protection. A web page on evil.example can make its own name resolve to 127.0.0.1;
 * the browser then treats a loopback mcpo as same-origin with the page, so CORS and the JSON content-type
 * rule no longer stop it from calling tools. What the browser cannot change is the Host header, which
 * still names evil.example: requests for hosts mcpo was not told to serve are refused with 403.
 *
 * One rule (hostRule), called by the tool route with the request's authority and by the app's middleware.
 */
import type { MiddlewareHandler } from 'hono';
import { McpoError, UsageError } from '../errors.js';

/** The names a loopback listener is reached by; what to allow when mcpo listens on 127.0.0.1 or ::1. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Judges a request's authority (the Host header, or the host of an absolute-form target: `name:port`):
 * undefined when it is served, else the error to answer with.
 */
export type HostRule = (authority: string | undefined) => McpoError | undefined;

/** Host values read at all: a name or IPv4 address, or an IPv6 address in brackets, and a port. */
const PLAIN_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** How many distinct Host values a rule remembers its verdict on (clients send very few). */
const HOST_CACHE_SIZE = 32;

function invalidHost(problem: string): McpoError {
  return new McpoError('BAD_REQUEST', `${problem}: requests must name the host they are for (e.g. "Host: localhost:8000")`);
}

/**
 * The rule for `allowedHosts` (names without port, compared case-insensitively; IPv6 addresses in brackets), or
 * for any host when undefined. A missing or malformed Host is 400 BAD_REQUEST; a host not allowed is 403
 * HOST_NOT_ALLOWED. Names are compared as URL parsing reads them: lower case, without the port, IP addresses in
 * their usual form (`127.1` is 127.0.0.1, `[0:0::1]` is [::1]). Verdicts are remembered per value: the URL
 * parse is most of the cost.
 */
export function hostRule(allowedHosts: readonly string[] | undefined): HostRule {
  if (allowedHosts !== undefined && allowedHosts.length === 0) throw new UsageError('allowedHosts must name at least one host');
  const allowed = allowedHosts && new Set(allowedHosts.map((h) => h.trim().toLowerCase()));
  const decide = (authority: string): McpoError | undefined => {
    if (!PLAIN_HOST.test(authority)) return invalidHost('Invalid Host header');
    let host: string;
    try {
      host = new URL(`http://${authority}/`).hostname;
    } catch {
      return invalidHost('Invalid Host header');
    }
    if (allowed === undefined || allowed.has(host)) return undefined;
    // The way out is named: behind a reverse proxy or on a LAN name, the fix is one flag, not a code change.
    const message = `Requests for host "${host}" are not served here (DNS-rebinding protection); to serve them, start mcpo with --allowed-hosts ${host}`;
    return new McpoError('HOST_NOT_ALLOWED', message, { details: { host } });
  };
  // null: served.
  const known = new Map<string, McpoError | null>();
  return function judgeHost(authority) {
    if (!authority) return invalidHost('Missing Host header');
    let verdict = known.get(authority);
    if (verdict === undefined) {
      if (known.size >= HOST_CACHE_SIZE) known.clear();
      verdict = decide(authority) ?? null;
      known.set(authority, verdict);
    }
    return verdict ?? undefined;
  };
}

/** Middleware answering the app's requests by `rule` (the host of the URL @hono/node-server built for them). */
export function hostGuard(rule: HostRule): MiddlewareHandler {
  return async function hostGuardMiddleware(c, next) {
    const refused = rule(new URL(c.req.url).host);
    if (refused) throw refused;
    await next();
  };
}
