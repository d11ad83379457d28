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

/** Middleware answering 403 HOST_NOT_ALLOWED for a request whose Host is not one of `allowedHosts`. */
export function hostGuard(options: HostGuardOptions): MiddlewareHandler {
  if (options.allowedHosts.length === 0) throw new UsageError('allowedHosts must name at least one host');
  const allowed = new Set(options.allowedHosts.map((h) => h.trim().toLowerCase()));
  return async function hostGuardMiddleware(c, next) {
    // The URL is built from the Host header; URL parsing lowercases it and drops the port.
    const host = new URL(c.req.url).hostname;
    if (!allowed.has(host)) {
      throw new McpoError('HOST_NOT_ALLOWED', `Requests for host "${host}" are not served here (DNS-rebinding protection)`, {
        details: { host },
      });
    }
    await next();
  };
}
