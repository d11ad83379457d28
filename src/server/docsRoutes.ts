/**
 * Swagger UI: GET {prefix}/docs (all servers), GET {prefix}/{server}/docs (one server, multi mode) and
 * the local assets under {prefix}/docs/assets/; GET / and GET {prefix}/ redirect to the page. Page URLs
 * include rootPath because the browser sees the proxy's paths, not ours.
 */
import type { Hono } from 'hono';
import { serverNotFound, type ServerContext } from './context.js';
import { DOCS_CONTENT_SECURITY_POLICY, renderDocsPage } from './docsPage.js';
import { joinPath } from './paths.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { SwaggerAssets } from './swaggerAssets.js';

/** Cache lifetime of the assets: they only change when swagger-ui-dist is upgraded, and carry ETags. */
export const DOCS_ASSET_MAX_AGE_SECONDS = 3600;

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY,
  ...SECURITY_HEADERS,
  'Referrer-Policy': 'no-referrer',
};

/** Adds the docs pages and their assets to `app`. */
export function registerDocsRoutes(app: Hono, ctx: ServerContext, assets = new SwaggerAssets()): void {
  const { pathPrefix: p, rootPath, info } = ctx;
  const browserPath = (...parts: string[]): string => joinPath(rootPath, p, ...parts);
  const assetsUrl = browserPath('docs', 'assets');
  // Under strictAuth the assets sit behind the key, so shared caches must not keep them.
  const cacheScope = ctx.strictAuth ? 'private' : 'public';

  app.get(`${p}/docs`, (c) =>
    c.body(renderDocsPage({ title: info.title, assetsUrl, openapiUrl: browserPath('openapi.json') }), 200, PAGE_HEADERS),
  );

  // Relative links typed by hand often end in a slash; Hono routes are strict about it.
  app.get(`${p}/docs/`, (c) => c.redirect(browserPath('docs'), 301));

  // The address printed at start-up, opened in a browser, lands on the page rather than a 404. Temporary (302):
  // what the root shows may change, and a browser keeps a 301 for good.
  for (const landing of new Set(['/', `${p}/`, p].filter(Boolean))) app.get(landing, (c) => c.redirect(browserPath('docs'), 302));

  app.get(`${p}/docs/assets/:file`, (c) => {
    const name = c.req.param('file');
    const asset = assets.get(name);
    if (!asset) return c.notFound();
    const headers = {
      ETag: asset.etag,
      'Cache-Control': `${cacheScope}, max-age=${DOCS_ASSET_MAX_AGE_SECONDS}`,
      ...SECURITY_HEADERS,
    };
    if (c.req.header('If-None-Match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, { ...headers, 'Content-Type': asset.contentType });
  });

  if (ctx.mode === 'single') return;
  app.get(`${p}/:server/docs`, (c) => {
    const server = c.req.param('server');
    if (!ctx.registry.get(server)) throw serverNotFound(ctx.registry, server);
    const page = renderDocsPage({
      title: `${info.title}: ${server}`,
      assetsUrl,
      openapiUrl: browserPath(server, 'openapi.json'),
    });
    return c.body(page, 200, PAGE_HEADERS);
  });
}
