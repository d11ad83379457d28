/**
 * Tool calls answered on plain node:http, in front of the Hono app: the hot path of a proxy. A request is
 * taken only when it is an ordinary successful-so-far call — POST to a tool the server has listed, a plain
 * path and Host, the right API key if one is set — and everything else (every refusal, unknown names,
 * documents, CORS preflights) goes on to the Hono app, which stays the one place that decides those answers.
 *
 * Why: @hono/node-server's web Request/Response adaptation and Hono's routing and middleware were ~14% of
 * mcpo's CPU per proxied call (profile of the benchmark's stdio scenario at 32 connections).
 *
 * What a taken request gets is what the Hono route would give: the same body rules (requestBody.ts), the
 * same validation and upstream call (toolCall.ts), the same error envelope and headers (CORS ones included),
 * the same request log line at info level, and cancellation of the upstream call when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpoError } from '../errors.js';
import type { ApiKeyCheck } from './auth.js';
import { singleServerName, type ServerContext } from './context.js';
import { errorAnswer, httpStatus, JSON_CONTENT_TYPE, toMcpoError } from './answer.js';
import type { CorsAnswerHeaders } from './cors.js';
import { responseCloseSignal } from './disconnectSignal.js';
import { hostCheck } from './hostGuard.js';
import { readNodeBody } from './nodeBody.js';
import { whenOpenApiReady } from './openapiBuilders.js';
import { parseArguments } from './requestBody.js';
import { logRequest } from './requestLog.js';
import { invokeTool, TOOL_RESPONSE_HEADERS } from './toolCall.js';

/** Handles a request and returns true, or returns false without touching it (the caller passes it on). */
export type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

export interface FastToolCallsOptions {
  ctx: ServerContext;
  /** As AppOptions.allowedHosts: undefined serves any host. */
  allowedHosts: readonly string[] | undefined;
  /** The API-key check tool calls need (strictAuth or not), if a key is set. */
  apiKey: ApiKeyCheck | undefined;
  /** The CORS headers of answers, when CORS is configured. */
  cors: CorsAnswerHeaders | undefined;
}

/**
 * Paths taken as they are: the characters Hono's router leaves alone (no percent-decoding, no query, no
 * fragment, no backslash). Dot segments are refused separately (URL parsing would remove them).
 */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * Headers read here of which IncomingMessage.headers keeps only the first line. The app reads every line, joined
 * with ", " (@hono/node-server reads rawHeaders for them), so a right key followed by a wrong one is refused there.
 */
const FIRST_LINE_ONLY: ReadonlySet<string> = new Set(['authorization', 'content-type']);

/** Node's raw header list [name, value, name, value…] as pairs. */
function* headerPairs(raw: readonly string[]): Iterable<readonly [string, string]> {
  for (let i = 0; i + 1 < raw.length; i += 2) yield [raw[i]!, raw[i + 1]!];
}

/** A request header (lower-case `name`) as the app reads it: every line of it, joined with ", ". */
function header(incoming: IncomingMessage, name: string): string | undefined {
  if (!FIRST_LINE_ONLY.has(name)) {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  const raw = incoming.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const rawName = raw[i]!;
    if (rawName.length === name.length && rawName.toLowerCase() === name) value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
  }
  return value;
}

/** Writes a complete JSON response unless the connection is gone (e.g. the client left mid-body) or an answer was already started. */
function send(outgoing: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  if (outgoing.headersSent || outgoing.destroyed) return;
  outgoing.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  outgoing.end(body);
}

/** The error envelope, with `extra` (CORS) headers. */
function sendError(outgoing: ServerResponse, error: McpoError, extra: Readonly<Record<string, string>>): void {
  const answer = errorAnswer(error, extra);
  send(outgoing, answer.status, answer.headers, answer.body);
}

const NO_HEADERS: Readonly<Record<string, string>> = {};

/** The fast path for `options.ctx`'s tool routes. */
export function fastToolCalls(options: FastToolCallsOptions): NodeHandler {
  const { ctx, apiKey } = options;
  const corsFor = options.cors;
  const { registry, catalogs, logger } = ctx;
  const hostPasses = hostCheck(options.allowedHosts);
  const prefix = `${ctx.pathPrefix}/`;

  /** Server and tool named by `path`, when it is a plain tool path. */
  const route = (path: string): { server: string; tool: string } | undefined => {
    if (!path.startsWith(prefix) || !PLAIN_PATH.test(path) || DOT_SEGMENT.test(path)) return undefined;
    const rest = path.slice(prefix.length);
    if (ctx.mode === 'single') {
      const server = singleServerName(registry);
      return server === undefined || rest === '' ? undefined : { server, tool: rest };
    }
    const slash = rest.indexOf('/');
    return slash <= 0 || slash === rest.length - 1 ? undefined : { server: rest.slice(0, slash), tool: rest.slice(slash + 1) };
  };

  async function answer(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    call: Omit<Parameters<typeof invokeTool>[0], 'args' | 'signal' | 'requestHeaders'>,
    path: string,
  ): Promise<void> {
    const start = logger.isEnabled('info') ? performance.now() : undefined;
    const cors = corsFor ? corsFor(header(incoming, 'origin')) : NO_HEADERS;
    let status = 200;
    try {
      const bytes = await readNodeBody(incoming, ctx.bodyLimitBytes);
      const args = parseArguments(bytes, (name) => header(incoming, name));
      const body = await invokeTool({ ...call, args, signal: responseCloseSignal(outgoing, ctx.shutdown), requestHeaders: () => headerPairs(incoming.rawHeaders) });
      send(outgoing, status, { ...cors, 'Content-Type': JSON_CONTENT_TYPE, ...TOOL_RESPONSE_HEADERS }, body);
    } catch (thrown) {
      const error = toMcpoError(thrown, logger, { method: 'POST', path });
      status = httpStatus(error);
      sendError(outgoing, error, cors);
    } finally {
      if (start !== undefined) logRequest(logger, { method: 'POST', path, status, elapsedMs: performance.now() - start });
    }
  }

  /** What a request is a call of, when it is one the fast path takes. Reads neither the body nor writes anything. */
  const take = (incoming: IncomingMessage) => {
    if (incoming.method !== 'POST' || whenOpenApiReady() !== undefined) return undefined;
    const path = incoming.url ?? '';
    const target = route(path);
    if (!target || !hostPasses(incoming.headers.host)) return undefined;
    const handle = registry.get(target.server);
    const compiled = handle && catalogs.get(target.server)?.tools.get(target.tool);
    if (!handle || !compiled) return undefined;
    if (apiKey && apiKey((name) => header(incoming, name)) !== undefined) return undefined;
    return { path, call: { handle, compiled, tool: target.tool, logger } };
  };

  return function fastToolCall(incoming, outgoing) {
    let taken: ReturnType<typeof take>;
    try {
      taken = take(incoming);
    } catch {
      // Thrown here, inside node:http's request event, a fault would end the process. Nothing is read or written
      // yet: the app gets the request and answers the fault as it does any other (500, logged).
      return false;
    }
    if (!taken) return false;
    answer(incoming, outgoing, taken.call, taken.path).catch(() => outgoing.destroy());
    return true;
  };
}
