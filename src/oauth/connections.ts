/**
 * What mcpo's HTTP server answers for OAuth (the contract is OAuthEndpoints in src/server/oauthRoutes.ts, which
 * also decides who may ask): the callback of logins on mcpo's port, the connections page, and its Connect and
 * Disconnect actions on the ServerAuth each OAuth server was last given.
 */
import type { ServerRegistry } from '../mcp/types.js';
import type { ConnectionsPageRequest, OAuthEndpoints } from '../server/oauthRoutes.js';
import { CONNECTIONS_PAGE_HEADERS, renderConnectionsPage, type ConnectionView } from './connectionsPage.js';
import { describeLogout } from './logout.js';
import type { ServerAuth } from './serverAuth.js';
import type { OAuthService } from './service.js';

export interface OAuthEndpointsOptions {
  service: OAuthService;
  registry: ServerRegistry;
  /** The ServerAuth of a server name, if it is an OAuth server. */
  authFor: (name: string) => ServerAuth | undefined;
}

export function createOAuthEndpoints(options: OAuthEndpointsOptions): OAuthEndpoints {
  const { service, registry, authFor } = options;
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
  };
}
