/**
 * GET {prefix}/openapi.json and, in multi mode, GET {prefix}/{server}/openapi.json: cached documents
 * with ETags (If-None-Match → 304), revalidated on each use so browsers see changes immediately.
 */
import type { Context, Hono } from 'hono';
import type { CachedDocument } from './documentCache.js';
import { serverNotFound, type ServerContext } from './context.js';
import { JSON_CONTENT_TYPE } from './answer.js';
import { whenOpenApiReady } from './openapiBuilders.js';

function sendDocument(c: Context, cached: CachedDocument): Response {
  const headers = { ETag: cached.etag, 'Cache-Control': 'no-cache' };
  if (c.req.header('If-None-Match') === cached.etag) return c.body(null, 304, headers);
  return c.body(cached.body, 200, { ...headers, 'Content-Type': JSON_CONTENT_TYPE });
}

/** Adds the openapi.json routes to `app`. */
export function registerDocumentRoutes(app: Hono, ctx: ServerContext): void {
  const { pathPrefix: p, documents } = ctx;
  app.get(`${p}/openapi.json`, async (c) => {
    await whenOpenApiReady();
    return sendDocument(c, documents.root());
  });
  if (ctx.mode === 'single') return;
  app.get(`${p}/:server/openapi.json`, async (c) => {
    await whenOpenApiReady();
    const server = c.req.param('server');
    const cached = documents.server(server);
    if (!cached) throw serverNotFound(ctx.registry, server);
    return sendDocument(c, cached);
  });
}
