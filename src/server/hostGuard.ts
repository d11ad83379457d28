/**
 * DNS-rebinding protection. A web page on evil.example can make its own name resolve to 127.0.0.1;
 * the browser then treats a loopback mcpo as same-origin with the page, so CORS and the JSON content-type
 * rule no longer stop it from calling tools. What the browser cannot change is the Host header, which
 * still names evil.example: requests for hosts mcpo was not told to serve are refused with 403.
 */
import type { MiddlewareHandler } from 'hono';
import { McpoError, UsageError } from '../errors.js';

/** The names a loopback listener is reached by; what to allow when mcpo listens on 127.0.0.1 or ::1. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

export interface HostGuardOptions {
  /** Host names (no port), compared case-insensitively; IPv6 addresses in brackets, e.g. "[::1]". */
  allowedHosts: readonly string[];
}

/** The allowed host names as compared: trimmed, lower case. */
function allowedSet(allowedHosts: readonly string[]): Set<string> {
  return new Set(allowedHosts.map((h) => h.trim().toLowerCase()));
}

/** Middleware answering 403 HOST_NOT_ALLOWED for a request whose Host is not one of `allowedHosts`. */
export function hostGuard(options: HostGuardOptions): MiddlewareHandler {
  if (options.allowedHosts.length === 0) throw new UsageError('allowedHosts must name at least one host');
  const allowed = allowedSet(options.allowedHosts);
  return async function hostGuardMiddleware(c, next) {
    // The URL is built from the Host header; URL parsing lowercases it and drops the port.
    const host = new URL(c.req.url).hostname;
    if (!allowed.has(host)) {
      // The way out is named: behind a reverse proxy or on a LAN name, the fix is one flag, not a code change.
      const message = `Requests for host "${host}" are not served here (DNS-rebinding protection); to serve them, start mcpo with --allowed-hosts ${host}`;
      throw new McpoError('HOST_NOT_ALLOWED', message, { details: { host } });
    }
    await next();
  };
}

/** Host header values the fast check reads: a name or IPv4 address, or an IPv6 address in brackets, and a port. */
const PLAIN_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The port at the end of a Host value (an IPv6 address ends with "]", never matched). */
const PORT = /:\d+$/;

/** How many distinct Host values hostCheck remembers (clients send very few). */
const HOST_CACHE_SIZE = 32;

/**
 * For handlers outside Hono: whether a Host header value is one the middleware would let through (and that
 * @hono/node-server would accept at all). Conservative: a value outside PLAIN_HOST, or one that URL parsing
 * rewrites (other than lower-casing it and dropping the port), gets false, so such a request goes the full way
 * and gets the app's answer: @hono/node-server refuses e.g. "[0:0::1]" or "0X7F.1" with 400, though they parse
 * to allowed names. With `allowedHosts` undefined, any plain host passes. Answers are remembered per value: the
 * URL parse is most of the cost.
 */
export function hostCheck(allowedHosts: readonly string[] | undefined): (host: string | undefined) => boolean {
  const allowed = allowedHosts && allowedSet(allowedHosts);
  const known = new Map<string, boolean>();
  const decide = (host: string): boolean => {
    if (!PLAIN_HOST.test(host)) return false;
    let hostname: string;
    try {
      hostname = new URL(`http://${host}/`).hostname;
    } catch {
      return false;
    }
    if (hostname !== host.replace(PORT, '').toLowerCase()) return false;
    return allowed === undefined || allowed.has(hostname);
  };
  return function hostPasses(host) {
    if (host === undefined) return false;
    let answer = known.get(host);
    if (answer === undefined) {
      if (known.size >= HOST_CACHE_SIZE) known.clear();
      answer = decide(host);
      known.set(host, answer);
    }
    return answer;
  };
}
