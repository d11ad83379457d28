/**
 * A server's tools, ready to serve: each with its operation id and its input schema compiled once, on first use.
 * Rebuilt whenever the server's tool list changes; nothing here runs per request.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ValidationProblem } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { OperationIds } from './operation-id.js';
import { SchemaCompiler, type Validator } from './validate.js';

export interface CompiledTool {
  /** MCP tool name. */
  readonly name: string;
  /** Unique, stable, readable: `${server}__${tool}`, sanitized to [A-Za-z0-9_.-], de-duplicated with a suffix. */
  readonly operationId: string;
  readonly tool: Tool;
  /**
   * Undefined when the input schema could not be compiled: the route is still served and the upstream server validates.
   * Compiled when first read (a call, or a document that needs it), then kept.
   */
  readonly validate?: (args: unknown) => ValidationProblem[];
}

export interface ServerCatalog {
  readonly server: string;
  /** By tool name, in tools/list order. */
  readonly tools: ReadonlyMap<string, CompiledTool>;
  /** Shown as the server's tag description in the documents (e.g. the server's instructions). */
  readonly description?: string;
  /** A per-user OAuth server (issue #17): a call may answer 401 NEEDS_AUTHORIZATION for the calling user. */
  readonly perUser?: boolean;
}

export interface BuildCatalogOptions {
  logger: Logger;
  /** See ServerCatalog.description. Default: none. */
  description?: string;
  /** See ServerCatalog.perUser. Default false. */
  perUser?: boolean;
}

/**
 * Lists every tool with its operation id; each input schema is compiled once, when first needed (JSON Schema
 * 2020-12, or draft-07 when `$schema` says so or the schema uses draft-07-only keywords). Compiling takes about
 * a millisecond a tool, so compiling all of them here held the event loop (every server's requests) for 10-18 s
 * when a server listed 10,000 tools, again after each of its list changes. A tool whose schema fails to compile
 * is still listed, with `validate` undefined, and a warning names the server and tool. A duplicate tool name
 * keeps the first.
 */
export function buildCatalog(server: string, tools: readonly Tool[], options: BuildCatalogOptions): ServerCatalog {
  const { logger } = options;
  const compiler = new SchemaCompiler({ logger });
  const ids = new OperationIds();
  const compiled = new Map<string, CompiledTool>();
  for (const tool of tools) {
    if (compiled.has(tool.name)) {
      logger.warn('Server lists a tool name twice; serving the first one', { server, tool: tool.name });
      continue;
    }
    const operationId = ids.allocate(server, tool.name);
    let validator: { validate?: Validator } | undefined;
    compiled.set(tool.name, {
      name: tool.name,
      operationId,
      tool,
      get validate() {
        validator ??= compileInput(compiler, server, tool, logger);
        return validator.validate;
      },
    });
  }
  return {
    server,
    tools: compiled,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.perUser ? { perUser: true } : {}),
  };
}

function compileInput(compiler: SchemaCompiler, server: string, tool: Tool, logger: Logger): { validate?: Validator } {
  try {
    return { validate: compiler.compile(tool.inputSchema).validate };
  } catch (error) {
    logger.warn('Tool input schema cannot be compiled; requests go to the server unvalidated', {
      server,
      tool: tool.name,
      error: (error as Error).message,
    });
    return {};
  }
}
