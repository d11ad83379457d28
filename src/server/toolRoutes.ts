/**
 * POST {prefix}/{server}/{tool} (or {prefix}/{tool} in single mode): JSON body → validated arguments →
 * MCP tools/call → mapped result. The upstream call is cancelled when the HTTP client goes away.
 */
import type { Context, Hono } from 'hono';
import { McpoError } from '../errors.js';
import { serverNotFound, singleServerName, type ServerContext } from './context.js';
import { waitForTools } from './awaitTools.js';
import { readArguments } from './requestBody.js';
import { jsonResponse } from './lightResponse.js';
import { whenOpenApiReady } from './openapiBuilders.js';
import { disconnectSignal } from './disconnectSignal.js';
import { didYouMean } from './suggest.js';
import { invokeTool, TOOL_RESPONSE_HEADERS } from './toolCall.js';

/** 404 TOOL_NOT_FOUND, suggesting close names among the server's tools. */
export function toolNotFound(server: string, tool: string, known: Iterable<string>): McpoError {
  return new McpoError('TOOL_NOT_FOUND', `Server "${server}" has no tool named "${tool}".${didYouMean(tool, known)}`, {
    details: { server, tool },
  });
}

function headerPairs(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  headers.forEach((value, name) => pairs.push([name, value]));
  return pairs;
}

async function callTool(ctx: ServerContext, c: Context, server: string, tool: string): Promise<Response> {
  // Aborts when the client goes away (@hono/node-server: before the response is written) or mcpo stops the calls in flight.
  const signal = disconnectSignal(c, ctx.shutdown);
  // Only the first calls after start-up can find the catalog code still loading; the rest do not await.
  const loading = whenOpenApiReady();
  if (loading) await loading;
  const handle = ctx.registry.get(server);
  let catalog = ctx.catalogs.get(server);
  if (!handle || !catalog) throw serverNotFound(ctx.registry, server);
  if (!catalog.tools.has(tool) && handle.status().state === 'connecting') {
    await waitForTools(ctx.registry, server, { signal });
    catalog = ctx.catalogs.get(server) ?? catalog;
  }
  const compiled = catalog.tools.get(tool);
  // A server that is not connected has no tools listed yet: let it answer (503 with its reason and
  // Retry-After, or the authorization URL) rather than claiming the tool does not exist.
  if (!compiled && handle.status().state === 'connected') throw toolNotFound(server, tool, catalog.tools.keys());

  const args = await readArguments(c.req.raw, ctx.bodyLimitBytes);
  const body = await invokeTool({ handle, compiled, tool, args, signal, requestHeaders: () => headerPairs(c.req.raw.headers), logger: ctx.logger });
  return jsonResponse(body, 200, TOOL_RESPONSE_HEADERS);
}

/** Adds the tool-call route (and its API-key guard unless auth covers every route) to `app`. */
export function registerToolRoutes(app: Hono, ctx: ServerContext): void {
  const { pathPrefix: p } = ctx;
  // `{.+}`: MCP tool names may contain '/', so the tool is the rest of the path.
  const path = ctx.mode === 'single' ? `${p}/:tool{.+}` : `${p}/:server/:tool{.+}`;
  if (ctx.toolAuth) app.post(path, ctx.toolAuth);
  app.post(path, (c) => {
    const server = ctx.mode === 'single' ? singleServerName(ctx.registry) : c.req.param('server');
    if (server === undefined) throw new McpoError('SERVER_NOT_FOUND', 'No server is configured');
    return callTool(ctx, c, server, c.req.param('tool') ?? '');
  });
}
