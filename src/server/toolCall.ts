/**
 * A tool call once the route has found it: validate the arguments against the compiled schema, call the tool
 * upstream, render the result as the response's JSON.
 */
import { ValidationError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { redactSecretValues } from '../log/secretValues.js';
import type { RequestHeaders } from '../mcp/forwardedHeaders.js';
import type { CallSignal, ServerHandle } from '../mcp/types.js';
import type { CompiledTool } from '../openapi/catalog.js';
import { mapToolResult } from '../openapi/result.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

export interface ToolInvocation {
  handle: ServerHandle;
  /** Undefined while the server has not listed its tools (it then answers for itself: 503, authorization URL). */
  compiled: CompiledTool | undefined;
  tool: string;
  args: Record<string, unknown>;
  /** Aborts the upstream call: the HTTP client went away (CANCELLED), or mcpo is shutting down (its reason, a 503, is the answer). */
  signal: CallSignal;
  /** The REST request's headers, read only for servers that forward some (client_header_forwarding). */
  requestHeaders: RequestHeaders;
  /** The user the call is made for (callerUser of the request's Caller); undefined for the operator. */
  user: string | undefined;
  logger: Logger;
}

/** Headers of every successful tool response besides Content-Type: results are never cacheable. */
export const TOOL_RESPONSE_HEADERS = { 'Cache-Control': 'no-store', ...SECURITY_HEADERS } as const;

/** The response body (JSON text) of a successful call; throws McpoError (VALIDATION_FAILED, upstream failures). */
export async function invokeTool(call: ToolInvocation): Promise<string> {
  const { handle, compiled, tool, args, logger } = call;
  // Before validation: the arguments of rejected calls are the ones worth seeing when debugging.
  if (logger.isEnabled('debug')) logger.debug('tool call', { server: handle.name, tool, user: call.user, arguments: redactSecretValues(args) });
  if (compiled?.validate) {
    const problems = compiled.validate(args);
    if (problems.length > 0) throw new ValidationError(problems);
  }
  const result = await handle.callTool(tool, args, { signal: call.signal, requestHeaders: call.requestHeaders, user: call.user });
  return JSON.stringify(mapToolResult(result) ?? null);
}
