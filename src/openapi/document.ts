/**
 * OpenAPI 3.1 documents: one per server (paths `/{tool}`, relative to the server's base URL) and one
 * for all servers (paths `/{server}/{tool}`, one tag per server). Built when tools change, not per request.
 */
import type { Logger } from '../log/logger.js';
import type { CompiledTool, ServerCatalog } from './catalog.js';
import { BEARER_SCHEME, ERROR_SCHEMA, VALIDATION_PROBLEM_SCHEMA, errorResponses, errorSchemas } from './error-responses.js';
import { OperationIds } from './operation-id.js';
import { buildOperation, toolPath } from './operation.js';
import { ComponentNames } from './schema/names.js';
import { ERROR_TEXT_MAX_CHARS, truncateText } from '../log/redactText.js';
import { escapeMarkdown, escapeMarkdownName } from './markdown.js';

export { toolPath } from './operation.js';

export const OPENAPI_VERSION = '3.1.0';

/** Extension on an operation whose tool schemas could not be carried into the document: why not. */
export const SCHEMA_ERROR_KEY = 'x-mcpo-schema-error';

/**
 * `compiled` with schemas that say only that the real ones could not be documented (the server still validates),
 * and without its validator: whether a body is required is then not asked of the code that just failed.
 */
function withoutSchemas(compiled: CompiledTool, reason: string): CompiledTool {
  const { outputSchema: _dropped, ...tool } = compiled.tool;
  const { validate: _unasked, ...rest } = compiled;
  const inputSchema = {
    type: 'object' as const,
    description: `The input schema of this tool could not be carried into this document (${escapeMarkdown(truncateText(reason, ERROR_TEXT_MAX_CHARS))}); the MCP server validates the arguments.`,
  };
  return { ...rest, tool: { ...tool, inputSchema } };
}

export interface DocumentInfo {
  title: string;
  description?: string;
  version: string;
}

export interface DocumentOptions {
  info: DocumentInfo;
  /** The `servers[0].url` of the document, e.g. "/github" or "/api/github" or "/" (caller computes it from --root-path/--path-prefix). */
  serverUrl: string;
  /** True when an API key protects tool routes: adds a bearer securityScheme + security requirement. */
  apiKey?: boolean;
  /** Warned about each tool whose schemas could not be documented (replaced by a stand-in) or that was left out. Default: none. */
  logger?: Logger;
}

/** An OpenAPI 3.1 document as plain JSON. */
export type OpenApiDocument = Record<string, unknown>;

/** Per-server document: paths are relative to the server (`/{tool}`), so base URL + path is the route. */
export function buildServerDocument(catalog: ServerCatalog, options: DocumentOptions): OpenApiDocument {
  const builder = new DocumentBuilder(options);
  builder.addServer(catalog, '');
  return builder.finish();
}

/** Root document: every tool of every server, paths `/{server}/{tool}`, tagged by server name. */
export function buildRootDocument(catalogs: readonly ServerCatalog[], options: DocumentOptions): OpenApiDocument {
  const builder = new DocumentBuilder(options);
  for (const catalog of catalogs) builder.addServer(catalog, toolPath(catalog.server));
  return builder.finish();
}

/** Tag description of a server: its catalog description, else a generic sentence. */
export function serverTagDescription(catalog: ServerCatalog): string {
  if (catalog.description) return catalog.description;
  const n = catalog.tools.size;
  return `Tools of the MCP server "${escapeMarkdownName(catalog.server)}" (${n} ${n === 1 ? 'tool' : 'tools'}).`;
}

class DocumentBuilder {
  private readonly names = new ComponentNames([ERROR_SCHEMA, VALIDATION_PROBLEM_SCHEMA]);
  private readonly ids = new OperationIds();
  private readonly schemas: Record<string, unknown> = errorSchemas();
  private readonly paths: Record<string, unknown> = {};
  private readonly tags: Array<{ name: string; description: string }> = [];
  private readonly apiKey: boolean;
  /** Whether a per-user server's operations were added (their 401 needs its component). */
  private perUser = false;

  constructor(private readonly options: DocumentOptions) {
    this.apiKey = options.apiKey === true;
  }

  addServer(catalog: ServerCatalog, pathPrefix: string): void {
    this.tags.push({ name: catalog.server, description: serverTagDescription(catalog) });
    if (catalog.perUser) this.perUser = true;
    for (const compiled of catalog.tools.values()) {
      // Catalog ids are unique per server; across servers only sanitizing can make them collide.
      const operationId = this.ids.allocate(catalog.server, compiled.name, compiled.operationId);
      const operation = this.operation(compiled, operationId, catalog.server, catalog.perUser === true);
      if (operation) this.paths[pathPrefix + toolPath(compiled.name)] = { post: operation };
    }
  }

  /**
   * The tool's operation. Its schemas are staged and merged only on success: a schema that cannot be
   * carried over (nested deeper than the stack allows) must cost that tool its schema, not every tool
   * its document, and must leave no half-hoisted components behind.
   */
  private operation(compiled: CompiledTool, operationId: string, tag: string, perUser: boolean): Record<string, unknown> | undefined {
    const staged: Record<string, unknown> = {};
    const context = { schemas: staged, names: this.names, tag, apiKey: this.apiKey, perUser };
    const mark = this.names.mark();
    try {
      const operation = buildOperation(compiled, operationId, context);
      Object.assign(this.schemas, staged);
      return operation;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.names.releaseSince(mark);
      const fields = { server: tag, tool: compiled.name, error: reason };
      // One tool's trouble stays that tool's: a stand-in, and if even that fails, the tool is left out of the document.
      const standIn: Record<string, unknown> = {};
      try {
        const operation = buildOperation(withoutSchemas(compiled, reason), operationId, { ...context, schemas: standIn, schemaReplaced: true });
        Object.assign(this.schemas, standIn);
        this.options.logger?.warn('Tool schema cannot be documented; a stand-in takes its place (the tool is still served)', fields);
        return { ...operation, [SCHEMA_ERROR_KEY]: reason };
      } catch {
        this.names.releaseSince(mark);
        this.options.logger?.warn('Tool cannot be documented; it is left out of the document (the tool is still served)', fields);
        return undefined;
      }
    }
  }

  finish(): OpenApiDocument {
    const { info, serverUrl } = this.options;
    const components: Record<string, unknown> = { schemas: this.schemas, responses: errorResponses(this.apiKey, this.perUser) };
    if (this.apiKey) {
      components.securitySchemes = {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          // A code span: Swagger UI renders descriptions as Markdown, where a bare <key> is an HTML tag it drops.
          description: 'The API key mcpo was started with (`--api-key`), sent as `Authorization: Bearer <key>`.',
        },
      };
    }
    return {
      openapi: OPENAPI_VERSION,
      info: {
        title: info.title,
        version: info.version,
        ...(info.description === undefined ? {} : { description: info.description }),
      },
      servers: [{ url: serverUrl }],
      ...(this.apiKey ? { security: [{ [BEARER_SCHEME]: [] }] } : {}),
      tags: this.tags,
      paths: this.paths,
      components,
    };
  }
}
