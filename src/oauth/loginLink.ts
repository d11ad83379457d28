/**
 * The login link of one loopback authorization, and the browser it binds. The authorization URL carries
 * `state`; whoever holds it can approve as themselves and deliver their own code to the callback, and mcpo
 * would save their grant. So the authorization URL is never shown: mcpo prints its own login link,
 * `http://127.0.0.1:PORT/start?ticket=…`, on the operator's console. Opening it sets a cookie that binds that
 * browser to the login and redirects to the authorization URL; the callback is only accepted from a browser
 * presenting that cookie.
 *
 * Decisions:
 * - What mcpo publishes over HTTP (/healthz, the documents, /docs, 503 details) is `publicHref`, the link
 *   without its ticket. Those surfaces are readable without the API key (unless --strict-auth), by anyone who
 *   can reach the port, including other local users.
 * - Who opens the link matters more than what they present, when it can be told (loopbackPeer.ts: the owner
 *   of the connection, on Linux). A connection of mcpo's own user is the operator: it needs no ticket, and
 *   any number of its browsers may open the link. Another user's connection never reaches this class (the
 *   receiver refuses it). So the browser mcpo launches gets `publicHref` there (`launchHref`): a command line
 *   is readable by every local user, and it then carries no secret.
 * - Where the owner cannot be told, the ticket decides, and it works once: the first browser to present it
 *   is bound (and may open the link again, a closed tab); any other browser presenting it afterwards, or an
 *   operator's connection after an unidentified one opened it, means someone else has the link, and the
 *   login is cancelled (`reused`) rather than left bound to a browser that may be theirs.
 * - Both the link and the callback are served by the same origin (the loopback receiver), so the cookie
 *   always reaches the callback whatever name mcpo's own HTTP port is reached under.
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
  /** Someone else has the link: it was already opened by another browser. The login must be cancelled. */
  | { kind: 'reused' };

/** Who opens the link (loopbackPeer.ts); another user's connection is refused before it gets here. */
export type LinkOpener = 'self' | 'unknown';

export class LoginLink {
  /** The one-time secret in the published link. */
  private readonly ticket = randomBytes(32).toString('base64url');
  /** The value of the binding cookie (never published). */
  private readonly binding = randomBytes(32).toString('base64url');
  /** Who opened the link first: the operator's own user, or a connection whose owner could not be told. */
  private openedBy: LinkOpener | undefined;
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

  /** The link for the operator's console: opening it binds the browser and leads to the authorization server. */
  get href(): string {
    return `${this.origin}${START_PATH}?ticket=${this.ticket}`;
  }

  /** The link without its ticket, safe to publish: it opens the login for the operator's own user only. */
  get publicHref(): string {
    return `${this.origin}${START_PATH}`;
  }

  /** The link for the browser mcpo launches: no ticket when openers can be told apart (`identified`). */
  launchHref(identified: boolean): string {
    return identified ? this.publicHref : this.href;
  }

  /** GET START_PATH: `ticket` from the query, `cookieHeader` the request's Cookie header, `opener` who asks. */
  start(ticket: string | null, cookieHeader: string | undefined, opener: LinkOpener): StartOutcome {
    if (this.isBound(cookieHeader)) return this.redirect();
    if (opener === 'self') {
      if (this.openedBy === 'unknown') return { kind: 'reused' };
      this.openedBy = 'self';
      return this.redirect();
    }
    if (ticket === null) return { kind: 'console' };
    if (!statesEqual(ticket, this.ticket)) return { kind: 'unknown' };
    if (this.openedBy !== undefined) return { kind: 'reused' };
    this.openedBy = 'unknown';
    return this.redirect();
  }

  private redirect(): StartOutcome {
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
