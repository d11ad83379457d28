/**
 * What a serving mcpo gives its OAuth support (the `mcpo auth` commands have none of it): the pending logins its
 * HTTP server answers callbacks for, and the base of its links. With it, an entry's login can come back to mcpo's
 * own port (`redirect: "server"`, the default once a public URL is given) and is started from the connections page.
 */
import type { OAuthConfig } from '../config/types.js';
import type { ConnectLinks } from './connectLinks.js';
import type { PendingLogins } from './pendingLogins.js';
import { CONNECTIONS_PATH } from './serverReceiver.js';

/** Where a serving mcpo is reached (run.ts gives it to OAuthSupport). */
export interface ServiceAddress {
  /** mcpo's link base (the public URL, or the listening URL and prefixes); undefined until mcpo listens. */
  linkBase(): string | undefined;
  /** A public URL was given: an entry's `redirect` defaults to "server". */
  publicUrl: boolean;
}

export interface OAuthService extends ServiceAddress {
  /** The process's pending logins, answered by mcpo's HTTP server at {base}/oauth/callback. */
  logins: PendingLogins;
  /** Signs the links per-user servers hand their users to connect (connectLinks.ts). */
  connectLinks: ConnectLinks;
}

/**
 * How an entry's login gets its code: pasted on the terminal (`use_loopback: false`), the loopback listener, or
 * mcpo's own port. Without a serving mcpo (`mcpo auth login`) there is no port to come back to: loopback.
 */
export type RedirectMode = 'paste' | 'loopback' | 'server';

export function redirectMode(config: OAuthConfig, service: OAuthService | undefined): RedirectMode {
  if (!config.useLoopback) return 'paste';
  if (!service) return 'loopback';
  return config.redirect ?? (service.publicUrl ? 'server' : 'loopback');
}

/** The connections page, once mcpo listens. */
export function connectionsUrlOf(service: ServiceAddress | undefined): string | undefined {
  const base = service?.linkBase();
  return base === undefined ? undefined : `${base}${CONNECTIONS_PATH}`;
}

/** A user's signed link to connect `server` (undefined before mcpo listens, or without a serving mcpo). */
export function userConnectLinkOf(service: OAuthService | undefined, server: string, user: string): string | undefined {
  const base = service?.linkBase();
  return base === undefined ? undefined : service!.connectLinks.link(base, server, user);
}
