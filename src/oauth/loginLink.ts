/**
 * The login link of one loopback authorization, and the browser it binds. The authorization URL carries
 * `state`; whoever holds it can approve as themselves and deliver their own code to the callback, and mcpo
 * would save their grant. So the authorization URL is never shown: mcpo prints its own login link,
 * `http://127.0.0.1:PORT/start?ticket=…`, on the operator's console (and opens it in the browser it launches).
 * Opening it sets a cookie that binds that browser to the login and redirects to the authorization URL; the
 * callback is only accepted from a browser presenting that cookie.
 *
 * Decisions:
 * - What mcpo publishes over HTTP (/healthz, the documents, /docs, 503 details) is `publicHref`, the link
 *   without its ticket: it leads to a page that sends the user to the console. Those surfaces are readable
 *   without the API key (unless --strict-auth), by anyone who can reach the port, including other local users,
 *   and whoever opens the ticket link first is the one who logs in.
 * - The ticket works once: the first browser to open it is bound; another browser opening it afterwards
 *   gets a refusal page (and the operator a warning), the bound browser may open it again (a closed tab).
 * - Both the link and the callback are served by the same origin (the loopback receiver), so the cookie
 *   always reaches the callback whatever name mcpo's own HTTP port is reached under. The functions here take
 *   and return plain values so another server (mcpo's HTTP app, issue #16) can serve the same two routes.
 * - Cookie: HttpOnly, SameSite=Lax (the redirect back from the authorization server is a cross-site
 *   top-level GET, which Lax lets through), Path=/, Max-Age = the flow's timeout, named after the port
 *   (cookies are per host, not per port: two flows on different ports must not overwrite each other).
 * - Secrets are compared in constant time (statesEqual hashes first).
 */
import { randomBytes } from 'node:crypto';
import { statesEqual } from './callbackParams.js';

export const START_PATH = '/start';
const COOKIE_PREFIX = 'mcpo_login_';

export type StartOutcome =
  /** 302 to the authorization URL, setting the binding cookie. */
  | { kind: 'redirect'; location: string; setCookie: string }
  /** No ticket: the published link, whose page points to the console. */
  | { kind: 'console' }
  /** A wrong ticket (404: says nothing about a login under way). */
  | { kind: 'unknown' }
  /** The link was already opened by another browser. */
  | { kind: 'used' };

export class LoginLink {
  /** The one-time secret in the published link. */
  private readonly ticket = randomBytes(32).toString('base64url');
  /** The value of the binding cookie (never published). */
  private readonly binding = randomBytes(32).toString('base64url');
  private opened = false;
  readonly cookieName: string;

  /**
   * @param origin e.g. `http://127.0.0.1:3030`: the origin of the callback, which serves START_PATH too.
   * @param authorizationUrl where the link leads (with `state`).
   * @param maxAgeMs lifetime of the cookie: the flow's timeout.
   */
  constructor(
    private readonly origin: string,
    private readonly authorizationUrl: URL,
    private readonly maxAgeMs: number,
  ) {
    this.cookieName = `${COOKIE_PREFIX}${new URL(origin).port || '80'}`;
  }

  /** The link to publish: opening it binds the browser and leads to the authorization server. */
  get href(): string {
    return `${this.origin}${START_PATH}?ticket=${this.ticket}`;
  }

  /** The link without its ticket, safe to publish: it says where to find the real one. */
  get publicHref(): string {
    return `${this.origin}${START_PATH}`;
  }

  /** GET START_PATH: `ticket` from the query, `cookieHeader` the request's Cookie header. */
  start(ticket: string | null, cookieHeader: string | undefined): StartOutcome {
    if (ticket === null) return { kind: 'console' };
    if (!statesEqual(ticket, this.ticket)) return { kind: 'unknown' };
    if (this.opened && !this.isBound(cookieHeader)) return { kind: 'used' };
    this.opened = true;
    const maxAge = Math.max(1, Math.ceil(this.maxAgeMs / 1000));
    return {
      kind: 'redirect',
      location: this.authorizationUrl.href,
      setCookie: `${this.cookieName}=${this.binding}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}`,
    };
  }

  /** Whether the request comes from the browser that opened the link (its Cookie header carries the binding). */
  isBound(cookieHeader: string | undefined): boolean {
    const values = cookieValues(cookieHeader, this.cookieName);
    // Every candidate is compared (a stale cookie of an earlier flow may sit next to the current one).
    let bound = false;
    for (const value of values) if (statesEqual(value, this.binding)) bound = true;
    return bound;
  }
}

/** Values of the cookie `name` in a Cookie header (RFC 6265 §5.4: `a=1; b=2`, a name may repeat). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
  }
  return values;
}
