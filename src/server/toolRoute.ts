/**
 * POST {prefix}/{server}/{tool} (or {prefix}/{tool} in single mode): the one owner of a tool call's answer,
 * its successes and every refusal, free of any framework. Which requests are its own is toolTarget.ts's rule;
 * the node:http handler (nodeToolRoute.ts) hands them over, the app never sees them.
 *
 * In order: the target (400 when unreadable) → the Host rule (400, 403) → the caller (401, 400: identify.ts) → the server and
 * tool (404 with suggestions; a connecting server's tool list is waited for) → the body (413, 400, 415, 422) →
 * validation (422) → the upstream call (its statuses: 424, 502, 503, 504…). Every answer carries the CORS
 * headers; errors are the envelope of answer.ts. The upstream call is cancelled when the client goes away, and
 * answered 503 when mcpo stops the calls in flight to shut down (the request's signal).
 */
import { McpoError } from '../errors.js';
import type { ServerHandle } from '../mcp/types.js';
import type { CompiledTool } from '../openapi/catalog.js';
import { errorAnswer, JSON_CONTENT_TYPE, toMcpoError, type Answer } from './answer.js';
import { waitForTools } from './awaitTools.js';
import { callerUser } from './caller.js';
import { serverNotFound, singleServerName, type ServerContext } from './context.js';
import type { CorsAnswerHeaders } from './cors.js';
import type { HostRule } from './hostGuard.js';
import type { IdentifyCaller } from './identify.js';
import { whenOpenApiReady } from './openapiBuilders.js';
import { joinPath } from './paths.js';
import { parseArguments } from './requestBody.js';
import type { HeaderLookup, RequestView } from './requestView.js';
import { didYouMean } from './suggest.js';
import { invokeTool, TOOL_RESPONSE_HEADERS, type ToolInvocation } from './toolCall.js';
import { decodePathPart, toolTargets, type ToolTarget } from './toolTarget.js';

export type { ToolTarget } from './toolTarget.js';

export interface ToolRouteOptions {
  ctx: Pick<ServerContext, 'registry' | 'catalogs' | 'logger' | 'mode' | 'rootPath' | 'pathPrefix' | 'bodyLimitBytes'>;
  /** The Host rule: every call is judged by it (with any host allowed, it still refuses a missing or malformed Host). */
  host: HostRule;
  /** Who is calling: every call is made for its caller, and refused when a key is needed and missing or wrong. */
  identify: IdentifyCaller;
  /** The CORS headers of every answer, when CORS is configured. */
  cors: CorsAnswerHeaders | undefined;
}

export interface ToolRoute {
  /** toolTarget.ts's rule: the request's target when the request is the tool route's, else undefined. Never throws. */
  claim(method: string, target: string): ToolTarget | undefined;
  /** The answer to a claimed request. Never rejects: an unexpected fault is a 500, logged. */
  answer(target: ToolTarget, request: RequestView): Promise<Answer>;
}

/** 404 TOOL_NOT_FOUND, suggesting close names among the server's tools. */
export function toolNotFound(server: string, tool: string, known: Iterable<string>): McpoError {
  return new McpoError('TOOL_NOT_FOUND', `Server "${server}" has no tool named "${tool}".${didYouMean(tool, known)}`, {
    details: { server, tool },
  });
}

const NO_HEADERS: Readonly<Record<string, string>> = {};
const SUCCESS_HEADERS = { 'Content-Type': JSON_CONTENT_TYPE, ...TOOL_RESPONSE_HEADERS } as const;

/** The tool route over `options.ctx`'s registry. */
export function createToolRoute(options: ToolRouteOptions): ToolRoute {
  const { ctx, host, identify, cors } = options;
  const { registry, catalogs, logger } = ctx;
  const claim = toolTargets(ctx.pathPrefix);
  const docs = joinPath(ctx.rootPath, ctx.pathPrefix, 'docs');
  const callPath = ctx.mode === 'single' ? joinPath(ctx.pathPrefix, '{tool}') : joinPath(ctx.pathPrefix, '{server}', '{tool}');

  /** The server and tool `rest` (the path below the prefix) names; 404 when it names none. */
  const names = (rest: string | undefined): { server: string; tool: string } => {
    if (ctx.mode === 'single') {
      const server = singleServerName(registry);
      if (server === undefined) throw new McpoError('SERVER_NOT_FOUND', 'No server is configured');
      return { server, tool: decodePathPart(rest ?? '') };
    }
    const slash = rest === undefined ? -1 : rest.indexOf('/');
    const server = rest === undefined ? '' : decodePathPart(slash === -1 ? rest : rest.slice(0, slash));
    if (server === '') {
      throw new McpoError('SERVER_NOT_FOUND', `The path names no server: tools are called with POST ${callPath}. See ${docs}`, { details: { server } });
    }
    return { server, tool: slash === -1 ? '' : decodePathPart(rest!.slice(slash + 1)) };
  };

  /**
   * The compiled tool `tool` of `handle`'s server, undefined while the server has not listed it: one that is not
   * connected answers for itself (503 with its reason and Retry-After, or the authorization URL). 404 when a
   * connected server has no such tool.
   */
  const listed = (handle: ServerHandle, tool: string): CompiledTool | undefined => {
    const catalog = catalogs.get(handle.name);
    const compiled = catalog?.tools.get(tool);
    if (!compiled && handle.status().state === 'connected') throw toolNotFound(handle.name, tool, catalog?.tools.keys() ?? []);
    return compiled;
  };

  /** The call `rest` names: 404 for a path that names no server or tool, or an unknown server. */
  const findCall = (rest: string | undefined): Pick<ToolInvocation, 'handle' | 'compiled' | 'tool'> => {
    const { server, tool } = names(rest);
    const handle = registry.get(server);
    if (!handle) throw serverNotFound(registry, server);
    if (tool === '') {
      const at = ctx.mode === 'single' ? callPath : joinPath(ctx.pathPrefix, server, '{tool}');
      throw new McpoError('TOOL_NOT_FOUND', `The path names no tool: call POST ${at}. See ${docs}`, { details: { server, tool } });
    }
    return { handle, compiled: listed(handle, tool), tool };
  };

  async function answer(target: ToolTarget, request: RequestView): Promise<Answer> {
    const header: HeaderLookup = (name) => request.header(name);
    const corsHeaders = cors ? cors(header('origin')) : NO_HEADERS;
    let user: string | undefined;
    try {
      const refused = target.problem ?? host(target.authority ?? header('host'));
      if (refused) throw refused;
      user = callerUser(identify(header));
      // Only the first calls after start-up can find the catalog code still loading; the rest do not await.
      const loading = whenOpenApiReady();
      if (loading) await loading;
      const call = findCall(target.rest);
      if (!call.compiled && call.handle.status().state === 'connecting') {
        await waitForTools(registry, call.handle.name, { signal: request.signal() });
        call.compiled = listed(call.handle, call.tool);
      }
      const args = parseArguments(await request.body(ctx.bodyLimitBytes), header);
      const body = await invokeTool({ ...call, args, signal: request.signal(), requestHeaders: () => request.headerLines(), user, logger });
      const headers = corsHeaders === NO_HEADERS ? SUCCESS_HEADERS : { ...corsHeaders, ...SUCCESS_HEADERS };
      return user === undefined ? { status: 200, headers, body } : { status: 200, headers, body, user };
    } catch (thrown) {
      const answer = errorAnswer(toMcpoError(thrown, logger, { method: 'POST', path: target.path }), corsHeaders);
      return user === undefined ? answer : { ...answer, user };
    }
  }

  return {
    claim(method, target) {
      try {
        return claim(method, target);
      } catch (error) {
        // Called inside node:http's request event, where a throw would end the process: a fault here is a 500, logged.
        const path = target.split('?', 1)[0]!.slice(0, 200);
        return { path, authority: undefined, rest: undefined, problem: toMcpoError(error, logger, { method, path }) };
      }
    },
    answer,
  };
}
