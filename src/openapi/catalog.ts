/**
 * A server's tools, ready to serve: each with its operation id and its input schema compiled once.
 * Rebuilt whenever the server's tool list changes; nothing here runs per request.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ValidationProblem } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { OperationIds } from './operation-id.js';
import { SchemaCompiler } from './validate.js';

export interface CompiledTool {
  /** MCP tool name. */
  readonly name: string;
  /** Unique, stable, readable: `${server}__${tool}`, sanitized to [A-Za-z0-9_.-], de-duplicated with a suffix. */
  readonly operationId: string;
  readonly tool: Tool;
  /** Undefined when the input schema could not be compiled: the route is still served and the upstream server validates. */
  readonly validate?: (args: unknown) => ValidationProblem[];
}

export interface ServerCatalog {
  readonly server: string;
  /** By tool name, in tools/list order. */
  readonly tools: ReadonlyMap<string, CompiledTool>;
  /** Shown as the server's tag description in the documents (e.g. the server's instructions). */
  readonly description?: string;
}

export interface BuildCatalogOptions {
  logger: Logger;
  /** See ServerCatalog.description. Default: none. */
  description?: string;
}

/**
 * Compiles every tool's input schema once (JSON Schema 2020-12, or draft-07 when `$schema` says so or
 * the schema uses draft-07-only keywords). A tool whose schema fails to compile is still listed, with
 * `validate` undefined, and a warning names the server and tool. A duplicate tool name keeps the first.
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
    try {
      const { validate } = compiler.compile(tool.inputSchema);
      compiled.set(tool.name, { name: tool.name, operationId, tool, validate });
    } catch (error) {
      logger.warn('Tool input schema cannot be compiled; requests go to the server unvalidated', {
        server,
        tool: tool.name,
        error: (error as Error).message,
      });
      compiled.set(tool.name, { name: tool.name, operationId, tool });
    }
  }
  return {
    server,
    tools: compiled,
    ...(options.description === undefined ? {} : { description: options.description }),
  };
}
