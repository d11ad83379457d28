/**
 * OpenAPI 3.1 documents: one per server (paths `/{tool}`, relative to the server's base URL) and one
 * for all servers (paths `/{server}/{tool}`, one tag per server). Built when tools change, not per request.
 */
import type { ServerCatalog } from './catalog.js';
import { BEARER_SCHEME, ERROR_SCHEMA, VALIDATION_PROBLEM_SCHEMA, errorResponses, errorSchemas } from './error-responses.js';
import { OperationIds } from './operation-id.js';
import { buildOperation, toolPath } from './operation.js';
import { ComponentNames } from './schema/names.js';

export { toolPath } from './operation.js';

export const OPENAPI_VERSION = '3.1.0';

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
  return `Tools of the MCP server "${catalog.server}" (${n} ${n === 1 ? 'tool' : 'tools'}).`;
}

class DocumentBuilder {
  private readonly names = new ComponentNames([ERROR_SCHEMA, VALIDATION_PROBLEM_SCHEMA]);
  private readonly ids = new OperationIds();
  private readonly schemas: Record<string, unknown> = errorSchemas();
  private readonly paths: Record<string, unknown> = {};
  private readonly tags: Array<{ name: string; description: string }> = [];
  private readonly apiKey: boolean;

  constructor(private readonly options: DocumentOptions) {
    this.apiKey = options.apiKey === true;
  }

  addServer(catalog: ServerCatalog, pathPrefix: string): void {
    this.tags.push({ name: catalog.server, description: serverTagDescription(catalog) });
    for (const compiled of catalog.tools.values()) {
      // Catalog ids are unique per server; across servers only sanitizing can make them collide.
      const operationId = this.ids.allocate(catalog.server, compiled.name, compiled.operationId);
      const operation = buildOperation(compiled, operationId, {
        schemas: this.schemas,
        names: this.names,
        tag: catalog.server,
        apiKey: this.apiKey,
      });
      this.paths[pathPrefix + toolPath(compiled.name)] = { post: operation };
    }
  }

  finish(): OpenApiDocument {
    const { info, serverUrl } = this.options;
    const components: Record<string, unknown> = { schemas: this.schemas, responses: errorResponses(this.apiKey) };
    if (this.apiKey) {
      components.securitySchemes = {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description: 'The API key mcpo was started with, sent as "Authorization: Bearer <key>".',
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
