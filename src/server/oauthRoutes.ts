/**
 * OAuth on mcpo's own port: GET {prefix}/oauth/callback, where browsers come back from authorization servers to
 * logins whose redirect is "server" (src/oauth/serverReceiver.ts). The route is registered before the API-key
 * middleware: a browser coming back from an authorization server carries no key, and needs none, since the
 * callback is accepted only with the login's `state` and its browser-binding cookie.
 */
import type { Hono } from 'hono';
import type { CallbackRequest } from '../oauth/pendingLogins.js';
import type { PageAnswer } from '../oauth/serverPages.js';
import type { ServerContext } from './context.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

/**
 * What the OAuth side of mcpo answers over HTTP (PendingLogins answers callbacks). Given only when OAuth support
 * is loaded (an entry has an `oauth` block, or hot reload may add one): this module imports nothing of it at run time.
 */
export interface OAuthEndpoints {
  callback(params: URLSearchParams, request: CallbackRequest): PageAnswer;
  /** Headers of every OAuth page: no caching, no scripts, no referrer (callback URLs carry codes). */
  readonly pageHeaders: Readonly<Record<string, string>>;
}

/** Adds GET {prefix}/oauth/callback. */
export function registerOAuthCallbackRoute(app: Hono, ctx: ServerContext, endpoints: OAuthEndpoints): void {
  app.get(`${ctx.pathPrefix}/oauth/callback`, (c) => {
    const url = new URL(c.req.url);
    const answer = endpoints.callback(url.searchParams, { cookie: c.req.header('Cookie'), secFetchDest: c.req.header('Sec-Fetch-Dest') });
    return c.body(answer.html, answer.status as 200, { ...endpoints.pageHeaders, ...SECURITY_HEADERS });
  });
}
