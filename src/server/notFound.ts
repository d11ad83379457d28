/**
 * 404 for paths no route matches, in the same envelope as every other error. In multi mode a path's
 * first segment names a server, so the code says which part was not found.
 */
import type { NotFoundHandler } from 'hono';
import { McpoError } from '../errors.js';
import { serverNotFound, singleServerName, type ServerContext } from './context.js';
import { renderError } from './errorHandler.js';
import { whenOpenApiReady } from './openapiBuilders.js';
import { joinPath } from './paths.js';

/** Longest path echoed back in a message. */
const MAX_ECHOED_PATH = 200;

function routeNotFound(ctx: ServerContext, method: string, path: string): McpoError {
  const shown = path.length > MAX_ECHOED_PATH ? `${path.slice(0, MAX_ECHOED_PATH)}…` : path;
  const docs = joinPath(ctx.rootPath, ctx.pathPrefix, 'docs');
  const p = ctx.pathPrefix;
  const inside = p === '' || path === p || path.startsWith(`${p}/`);
  const segments = inside ? path.slice(p.length).split('/').filter(Boolean) : [];
  const first = segments[0] !== undefined ? safeDecode(segments[0]) : undefined;

  if (ctx.mode === 'multi' && first !== undefined && !ctx.registry.get(first)) {
    const error = serverNotFound(ctx.registry, first);
    return new McpoError('SERVER_NOT_FOUND', `No route ${method} ${shown}. ${error.message} See ${docs}`, {
      details: { method, path: shown, server: first },
    });
  }
  const tool = toolAt(ctx, segments);
  if (method !== 'POST' && tool !== undefined) {
    return new McpoError('METHOD_NOT_ALLOWED', `${tool.server}/${tool.tool} is a tool: call it with POST. See ${docs}`, {
      details: { method, path: shown, ...tool },
      headers: { Allow: 'POST' },
    });
  }
  const hint = method === 'POST' ? '' : ' Tools are called with POST.';
  return new McpoError(
    first !== undefined ? 'TOOL_NOT_FOUND' : 'SERVER_NOT_FOUND',
    `No route ${method} ${shown}.${hint} See ${docs}`,
    { details: { method, path: shown } },
  );
}

/** The served tool that `segments` (the path below the prefix) names, if any. */
function toolAt(ctx: ServerContext, segments: string[]): { server: string; tool: string } | undefined {
  const decoded = segments.map(safeDecode);
  const [server, tool] = ctx.mode === 'single' ? [singleServerName(ctx.registry), decoded.join('/')] : [decoded[0], decoded.slice(1).join('/')];
  if (server === undefined || tool === '') return undefined;
  return ctx.catalogs.get(server)?.tools.has(tool) ? { server, tool } : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** app.notFound: 404 (or 405 on a tool path) in the error envelope, naming what was not found. */
export function createNotFoundHandler(ctx: ServerContext): NotFoundHandler {
  return async function mcpoNotFound(c) {
    // Whether the path names a tool (405 rather than 404) is read from the catalogs.
    await whenOpenApiReady();
    return renderError(c, routeNotFound(ctx, c.req.method, c.req.path));
  };
}
