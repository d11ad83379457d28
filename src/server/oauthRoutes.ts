/**
 * OAuth on mcpo's own port:
 * - GET {prefix}/oauth/callback: browsers come back from authorization servers to logins whose redirect is
 *   "server" (src/oauth/serverReceiver.ts). Registered before the API-key middleware: a browser coming back
 *   carries no key and needs none, since the callback is accepted only with the login's `state` and cookie.
 * - GET {prefix}/oauth: the connections page; POST {prefix}/oauth/connect and /oauth/disconnect: its buttons.
 *   Who may use them, and which POSTs are the page's own, oauthAccess.ts decides.
 * Connect answers with a redirect that both binds the clicking browser (its cookie) and sends it to the
 * authorization server, so no link is ever copied from a console.
 */
import type { Context, Hono } from 'hono';
import { McpoError } from '../errors.js';
import type { LogoutOutcome } from '../oauth/logout.js';
import type { CallbackRequest } from '../oauth/pendingLogins.js';
import type { ConnectGrant, LinkCheck } from '../oauth/connectLinks.js';
import type { ConnectOutcome } from '../oauth/serverAuth.js';
import type { PageAnswer } from '../oauth/serverPages.js';
import type { ServerContext } from './context.js';
import { oauthAccess, type OAuthAccessOptions } from './oauthAccess.js';
import { joinPath } from './paths.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { OAUTH_SEGMENT } from './toolTarget.js';
import type { UserKeys } from './userKeys.js';

/** What the page request gives the page's renderer. */
export interface ConnectionsPageRequest {
  /** The path the forms post to (…/connect, …/disconnect), as the browser sees it. */
  actionPath: string;
  token: string;
  /** What the last action did. */
  notice?: string;
  /** A user's page: its forms ask for the user's own mcpo key (the user has one). */
  askKey?: boolean;
}

/**
 * What the OAuth side of mcpo answers over HTTP (src/oauth/connections.ts). Given only when OAuth support is
 * loaded (an entry has an `oauth` block, or hot reload may add one): this module imports nothing of it at run time.
 */
export interface OAuthEndpoints {
  /** A promise when the login may be held by another replica (a shared store). */
  callback(params: URLSearchParams, request: CallbackRequest): PageAnswer | Promise<PageAnswer>;
  /** Headers of the callback's pages: no caching, no scripts, no referrer (callback URLs carry codes). */
  readonly pageHeaders: Readonly<Record<string, string>>;
  /** Headers of the connections page (no framing either). */
  readonly connectionsPageHeaders: Readonly<Record<string, string>>;
  /** Undefined: no OAuth server of that name is served. */
  connect(server: string): Promise<ConnectOutcome | undefined>;
  disconnect(server: string): Promise<{ revocation: LogoutOutcome['revocation']; summary: string } | undefined>;
  renderPage(request: ConnectionsPageRequest): Promise<string>;
  /** Whether a user's link (or form) carries a valid, unexpired grant (src/oauth/connectLinks.ts). */
  userGrant(params: URLSearchParams): LinkCheck;
  /** Connect as the grant's user; undefined: no per-user server of that name is served. */
  connectUser(grant: ConnectGrant): Promise<ConnectOutcome | undefined>;
  disconnectUser(grant: ConnectGrant): Promise<{ revocation: LogoutOutcome['revocation']; summary: string } | undefined>;
  /** The page for a link that is not valid (403) or expired (410). */
  renderRefusedLink(why: 'invalid' | 'expired'): string;
  /** The grant's user's own page: their per-user servers, their state, Connect and Disconnect. */
  renderUserPage(grant: ConnectGrant, request: ConnectionsPageRequest): Promise<string>;
}

/**
 * Whether `path` (as the router reads it) is {pathPrefix}/oauth or below it: OAuth on mcpo's port, which only
 * mcpo's own pages may use (no CORS there, cors.ts).
 */
export function isOAuthPath(pathPrefix: string, path: string): boolean {
  const base = `${pathPrefix}/${OAUTH_SEGMENT}`;
  return path === base || path.startsWith(`${base}/`);
}

/** A form body larger than this is not the page's (a server name and a token). */
const MAX_FORM_BYTES = 4096;

/** Adds GET {prefix}/oauth/callback (before the API key: call it before the key middleware). */
export function registerOAuthCallbackRoute(app: Hono, ctx: ServerContext, endpoints: OAuthEndpoints): void {
  app.get(`${ctx.pathPrefix}/oauth/callback`, async (c) => {
    const url = new URL(c.req.url);
    const answer = await endpoints.callback(url.searchParams, { cookie: c.req.header('Cookie'), secFetchDest: c.req.header('Sec-Fetch-Dest') });
    return c.body(answer.html, answer.status as 200, { ...endpoints.pageHeaders, ...SECURITY_HEADERS });
  });
}

/** Adds the connections page and its two actions. */
export function registerConnectionsRoutes(app: Hono, ctx: ServerContext, endpoints: OAuthEndpoints, accessOptions: OAuthAccessOptions, users?: UserKeys): void {
  const p = ctx.pathPrefix;
  const access = oauthAccess(accessOptions);
  const actionPath = joinPath(ctx.rootPath, p, 'oauth');
  const page = async (c: Context, notice?: string, status = 200): Promise<Response> => {
    const html = await endpoints.renderPage({ actionPath, token: access.token, notice });
    return c.body(html, status as 200, { ...endpoints.connectionsPageHeaders, ...SECURITY_HEADERS });
  };
  /** The server named by a POST that passed both guards. */
  const action = async (c: Context): Promise<string> => {
    const refused = access.refused(c);
    if (refused) throw refused;
    const form = await readForm(c);
    const crossSite = access.crossSite(c, form.get('token') ?? undefined);
    if (crossSite) throw crossSite;
    return form.get('server') ?? '';
  };

  app.get(`${p}/oauth`, async (c) => {
    const refused = access.refused(c);
    if (refused) throw refused;
    return page(c);
  });

  app.post(`${p}/oauth/connect`, async (c) => {
    const server = await action(c);
    const outcome = await endpoints.connect(server);
    if (!outcome) return page(c, `No OAuth server named "${server}" is served.`, 404);
    switch (outcome.kind) {
      case 'redirect':
        ctx.logger.info('login started from the connections page', { server });
        return c.body(null, 303, { Location: outcome.binding.location, 'Set-Cookie': outcome.binding.setCookie, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...SECURITY_HEADERS });
      case 'link':
        return c.body(null, 303, { Location: outcome.href, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...SECURITY_HEADERS });
      case 'terminal':
        return page(c, `${server}: the login's URL is printed on mcpo's terminal; open it, approve, and paste the callback URL back there.`);
      case 'failed':
        return page(c, `${server}: the login could not start: ${outcome.why}`, 502);
    }
  });

  registerUserRoutes(app, ctx, endpoints, access, users);

  app.post(`${p}/oauth/disconnect`, async (c) => {
    const server = await action(c);
    const outcome = await endpoints.disconnect(server);
    if (!outcome) return page(c, `No OAuth server named "${server}" is served.`, 404);
    ctx.logger.info('disconnected from the connections page', { server, revocation: outcome.revocation });
    return page(c, `${server} disconnected (${outcome.summary}; saved tokens deleted).`);
  });
}

/**
 * A user's page and its actions, reached through the signed link a per-user server's 401 gave them. Opening it
 * changes nothing; Connect and Disconnect are the page's own POSTs (oauthAccess.ts's crossSite), each carrying the
 * link's grant, checked again. For a user with a key (`users`), the forms also ask for that key: a link forwarded or
 * leaked to someone else cannot link their account to the user (nor disconnect the user's), page warning or not.
 * For a user only a front-end names (--user-header), who has no key, the link is the credential: the front-end
 * showed it to that user alone.
 */
function registerUserRoutes(
  app: Hono,
  ctx: ServerContext,
  endpoints: OAuthEndpoints,
  access: ReturnType<typeof oauthAccess>,
  users: UserKeys | undefined,
): void {
  const p = ctx.pathPrefix;
  const actionPath = joinPath(ctx.rootPath, p, 'oauth', 'user');
  const headers = { ...endpoints.connectionsPageHeaders, ...SECURITY_HEADERS };
  const refusedLink = (c: Context, why: 'invalid' | 'expired'): Response => c.body(endpoints.renderRefusedLink(why), why === 'expired' ? 410 : 403, headers);
  const userPage = async (c: Context, grant: ConnectGrant, notice?: string, status = 200): Promise<Response> =>
    c.body(await endpoints.renderUserPage(grant, { actionPath, token: access.token, notice, askKey: users?.has(grant.user) === true }), status as 200, headers);
  /** The grant of a POST that passed the page's guards, and for a user with a key, carries it. */
  const action = async (c: Context): Promise<ConnectGrant | Response> => {
    const form = await readForm(c);
    const crossSite = access.crossSite(c, form.get('token') ?? undefined);
    if (crossSite) throw crossSite;
    const check = endpoints.userGrant(form);
    if (!check.ok) return refusedLink(c, check.why);
    const { grant } = check;
    if (users?.has(grant.user) && !users.isKeyOf(grant.user, form.get('key') ?? '')) {
      ctx.logger.warn('user page action refused: not the user\'s key', { server: grant.server, user: grant.user });
      return userPage(c, grant, `That is not ${grant.user}'s mcpo key: nothing was changed. Only ${grant.user} can connect or disconnect an account here.`, 403);
    }
    return grant;
  };

  app.get(`${p}/oauth/user`, async (c) => {
    const check = endpoints.userGrant(new URL(c.req.url).searchParams);
    if (!check.ok) return refusedLink(c, check.why);
    return userPage(c, check.grant);
  });

  app.post(`${p}/oauth/user/connect`, async (c) => {
    const grant = await action(c);
    if (grant instanceof Response) return grant;
    const outcome = await endpoints.connectUser(grant);
    if (!outcome) return userPage(c, grant, `No per-user server named "${grant.server}" is served.`, 404);
    if (outcome.kind === 'redirect') {
      ctx.logger.info('user login started from their connections page', { server: grant.server, user: grant.user });
      return c.body(null, 303, { Location: outcome.binding.location, 'Set-Cookie': outcome.binding.setCookie, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...SECURITY_HEADERS });
    }
    // Per-user servers log in on mcpo's port (the config requires it): another outcome is a failure to start.
    return userPage(c, grant, `${grant.server}: the login could not start${outcome.kind === 'failed' ? `: ${outcome.why}` : ''}`, 502);
  });

  app.post(`${p}/oauth/user/disconnect`, async (c) => {
    const grant = await action(c);
    if (grant instanceof Response) return grant;
    const outcome = await endpoints.disconnectUser(grant);
    if (!outcome) return userPage(c, grant, `No per-user server named "${grant.server}" is served.`, 404);
    ctx.logger.info('user disconnected a server', { server: grant.server, user: grant.user, revocation: outcome.revocation });
    return userPage(c, grant, `${grant.server} disconnected (${outcome.summary}; saved tokens deleted).`);
  });
}

/** The urlencoded form of a POST, at most MAX_FORM_BYTES. */
async function readForm(c: Context): Promise<URLSearchParams> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    throw new McpoError('UNSUPPORTED_MEDIA_TYPE', 'The connections page posts application/x-www-form-urlencoded forms');
  }
  const length = Number(c.req.header('Content-Length') ?? Number.NaN);
  if (!Number.isInteger(length) || length > MAX_FORM_BYTES) throw new McpoError('PAYLOAD_TOO_LARGE', `The form must state its length and hold at most ${MAX_FORM_BYTES} bytes`);
  return new URLSearchParams(await c.req.text());
}
