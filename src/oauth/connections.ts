/**
 * What mcpo's HTTP server answers for OAuth (the contract is OAuthEndpoints in src/server/oauthRoutes.ts, which
 * also decides who may ask): the callback of logins on mcpo's port, the connections page, and its Connect and
 * Disconnect actions on the ServerAuth each OAuth server was last given.
 */
import type { ServerRegistry } from '../mcp/types.js';
import type { ConnectionsPageRequest, OAuthEndpoints } from '../server/oauthRoutes.js';
import { page } from './callbackPages.js';
import { CONNECTIONS_PAGE_HEADERS, renderConnectionsPage, type ConnectionView } from './connectionsPage.js';
import { describeLogout } from './logout.js';
import type { ServerAuth } from './serverAuth.js';
import type { OAuthService } from './service.js';
import type { ConnectGrant } from './connectLinks.js';
import { renderUserConnectionsPage, type UserConnectionView } from './userConnectionsPage.js';

export interface OAuthEndpointsOptions {
  service: OAuthService;
  registry: ServerRegistry;
  /** The ServerAuth of a server name, if it is an OAuth server. */
  authFor: (name: string) => ServerAuth | undefined;
  /** The ServerAuth of `user` for a per-user server `name`; undefined for any other server. */
  userAuthFor: (name: string, user: string) => ServerAuth | undefined;
}

export function createOAuthEndpoints(options: OAuthEndpointsOptions): OAuthEndpoints {
  const { service, registry, authFor, userAuthFor } = options;
  /** `user`'s ServerAuth of a per-user server the registry serves now. */
  const servedForUser = (name: string, user: string): ServerAuth | undefined => (registry.get(name) ? userAuthFor(name, user) : undefined);

  /** The user's per-user servers: the grant's first, then the others, each with its own signed grant. */
  const userViews = async (grant: ConnectGrant): Promise<UserConnectionView[]> => {
    const names = [grant.server, ...registry.list().map((handle) => handle.name).filter((name) => name !== grant.server)];
    const found: UserConnectionView[] = [];
    for (const name of names) {
      const auth = servedForUser(name, grant.user);
      if (auth) found.push({ server: name, details: await auth.details(), grant: service.connectLinks.query(name, grant.user) });
    }
    return found;
  };
  /** The server's ServerAuth, when it is an OAuth server the registry serves now. */
  const served = (name: string): ServerAuth | undefined => (registry.get(name) ? authFor(name) : undefined);

  const views = async (): Promise<ConnectionView[]> => {
    const found: ConnectionView[] = [];
    for (const handle of registry.list()) {
      const auth = authFor(handle.name);
      if (auth) found.push({ status: handle.status(), details: await auth.details() });
    }
    return found;
  };

  return {
    pageHeaders: service.logins.pageHeaders,
    connectionsPageHeaders: CONNECTIONS_PAGE_HEADERS,
    callback: (params, request) => service.logins.callback(params, request),
    connect: async (name) => served(name)?.connect(),
    disconnect: async (name) => {
      const outcome = await served(name)?.disconnect();
      return outcome && { revocation: outcome.revocation, summary: describeLogout(outcome) };
    },
    renderPage: async (request: ConnectionsPageRequest) => renderConnectionsPage({ ...request, views: await views() }),
    userGrant: (params) => service.connectLinks.check(params),
    renderRefusedLink: (why) =>
      page(
        'mcpo: link refused',
        why === 'expired'
          ? 'This link has expired. Ask again: the answer brings a new link.'
          : 'This link is not valid (it was changed, or mcpo restarted since it was made). Ask again: the answer brings a new link.',
      ),
    connectUser: async (grant) => servedForUser(grant.server, grant.user)?.connect(),
    disconnectUser: async (grant) => {
      const outcome = await servedForUser(grant.server, grant.user)?.disconnect();
      return outcome && { revocation: outcome.revocation, summary: describeLogout(outcome) };
    },
    renderUserPage: async (grant, request) => renderUserConnectionsPage({ ...request, user: grant.user, views: await userViews(grant) }),
  };
}
