/**
 * The links a per-user server's 401 NEEDS_AUTHORIZATION hands a user (through their chat model): signed, expiring
 * capabilities to start *that user's* login for *that server*, nothing else.
 *
 *   {base}/oauth/user?server=<name>&user=<name>&expires=<epoch s>&sig=<HMAC-SHA256, base64url>
 *
 * Decisions:
 * - The key is random per process: a restart invalidates every link (the next call hands out a new one), and no
 *   key is stored anywhere. Replicas sharing a store (--store) share one key kept there instead, so a link handed
 *   out by one replica opens on whichever the load balancer picks.
 * - The signature covers server, user and expiry, so none of them can be changed; it is checked in constant time.
 * - Opening the link only shows a page that names the mcpo user the account will be linked to; the login starts
 *   from that page's POST (connectionsRoutes), so a link that was forwarded, previewed by a chat client or
 *   prefetched links nothing by itself.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a connect link works: 1 hour (long enough to read a chat answer, short enough to limit a leaked one). */
export const DEFAULT_CONNECT_LINK_TTL_MS = 60 * 60_000;
/** The path of the confirm page below mcpo's link base. */
export const USER_CONNECT_PATH = '/oauth/user';

export interface ConnectLinksOptions {
  /** Default: 32 random bytes. */
  key?: Buffer;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
  ttlMs?: number;
}

/** What a link grants, once verified. */
export interface ConnectGrant {
  server: string;
  user: string;
  /** Epoch ms. */
  expiresAt: number;
}

export type LinkCheck = { ok: true; grant: ConnectGrant } | { ok: false; why: 'invalid' | 'expired' };

export class ConnectLinks {
  private readonly key: Buffer;
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(options: ConnectLinksOptions = {}) {
    this.key = options.key ?? randomBytes(32);
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? DEFAULT_CONNECT_LINK_TTL_MS;
  }

  /** The query of a new link for `user` and `server`. */
  query(server: string, user: string): URLSearchParams {
    const expires = String(Math.floor((this.now() + this.ttlMs) / 1000));
    return new URLSearchParams({ server, user, expires, sig: this.sign(server, user, expires) });
  }

  /** The link below `base` (mcpo's link base). */
  link(base: string, server: string, user: string): string {
    return `${base}${USER_CONNECT_PATH}?${this.query(server, user).toString()}`;
  }

  /** Whether `params` (a link's query, or the confirm form) carry a valid, unexpired grant. */
  check(params: URLSearchParams): LinkCheck {
    const server = params.get('server');
    const user = params.get('user');
    const expires = params.get('expires');
    const sig = params.get('sig');
    if (server === null || user === null || expires === null || sig === null || !/^\d{1,12}$/.test(expires)) return { ok: false, why: 'invalid' };
    const expected = Buffer.from(this.sign(server, user, expires), 'utf8');
    const given = Buffer.from(sig, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'invalid' };
    const expiresAt = Number(expires) * 1000;
    if (expiresAt <= this.now()) return { ok: false, why: 'expired' };
    return { ok: true, grant: { server, user, expiresAt } };
  }

  private sign(server: string, user: string, expires: string): string {
    // JSON keeps the fields apart whatever characters the names hold.
    return createHmac('sha256', this.key).update(JSON.stringify(['mcpo-connect-link', server, user, expires]), 'utf8').digest('base64url');
  }
}
