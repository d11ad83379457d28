/**
 * OpenAPI documents, serialized once and served with an ETag until the registry reports a change
 * affecting them. Any change on a server (tools, status, added, removed) drops that server's document
 * and the root document: the root lists every server's tools and the state of those not connected.
 * The document code is loaded on first need (openapiBuilders.ts): callers await whenOpenApiReady() first.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { ServerRegistry, ChangeKind } from '../mcp/types.js';
import type { DocumentInfo } from '../openapi/document.js';
import type { CatalogCache } from './catalogCache.js';
import { openApiBuilders } from './openapiBuilders.js';
import { joinPath } from './paths.js';
import { describeWithStatuses } from './statusNotes.js';

export interface CachedDocument {
  readonly document: Record<string, unknown>;
  /** The serialized document, sent as is. */
  readonly body: string;
  /** Strong ETag of `body`. */
  readonly etag: string;
}

export interface DocumentCacheOptions {
  registry: ServerRegistry;
  catalogs: CatalogCache;
  info: DocumentInfo;
  /** Normalized external prefix ('' or '/x'). */
  rootPath: string;
  /** Normalized route prefix ('' or '/x'). */
  pathPrefix: string;
  /** The public URL's origin (servers[].url absolute under it), or '' (servers[].url is a path). */
  origin?: string;
  /** Whether documents declare the bearer security scheme. */
  apiKey: boolean;
  /** 'single': the root document is the only server's document, with tools at the root. */
  mode: 'multi' | 'single';
  /** Told about tools whose schemas could not be documented. Default: none. */
  logger?: Logger;
}

function cache(document: Record<string, unknown>): CachedDocument {
  const body = JSON.stringify(document);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { document, body, etag };
}

/** Serialized documents with ETags, dropped when the registry reports a change (see onChange). */
export class DocumentCache {
  private rootDocument: CachedDocument | undefined;
  private readonly serverDocuments = new Map<string, CachedDocument>();

  constructor(private readonly options: DocumentCacheOptions) {}

  /** The document served at {pathPrefix}/openapi.json. */
  root(): CachedDocument {
    this.rootDocument ??= cache(this.buildRoot());
    return this.rootDocument;
  }

  /** The document served at {pathPrefix}/{server}/openapi.json, or undefined for an unknown server. */
  server(name: string): CachedDocument | undefined {
    const cached = this.serverDocuments.get(name);
    if (cached) return cached;
    const document = this.buildServer(name, this.serverUrl(name));
    if (!document) return undefined;
    const entry = cache(document);
    this.serverDocuments.set(name, entry);
    return entry;
  }

  onChange(server: string, _kind: ChangeKind): void {
    this.serverDocuments.delete(server);
    this.rootDocument = undefined;
  }

  private buildRoot(): Record<string, unknown> {
    const { registry, catalogs, info, apiKey, mode, logger } = this.options;
    const serverUrl = this.serverUrl();
    if (mode === 'single') {
      const only = registry.list()[0];
      const document = only ? this.buildServer(only.name, serverUrl, info) : undefined;
      if (document) return document;
    }
    const description = describeWithStatuses(
      info.description,
      registry.list().map((h) => h.status()),
    );
    return openApiBuilders().buildRootDocument(catalogs.all(), { info: { ...info, description }, serverUrl, apiKey, ...(logger ? { logger } : {}) });
  }

  /** servers[].url of a document: what a browser or client requests, under the public URL when there is one. */
  private serverUrl(...parts: string[]): string {
    return `${this.options.origin ?? ''}${joinPath(this.options.rootPath, this.options.pathPrefix, ...parts)}`;
  }

  private buildServer(
    name: string,
    serverUrl: string,
    info: DocumentInfo = { ...this.options.info, title: `${this.options.info.title}: ${name}` },
  ): Record<string, unknown> | undefined {
    const handle = this.options.registry.get(name);
    const catalog = this.options.catalogs.get(name);
    if (!handle || !catalog) return undefined;
    const description = describeWithStatuses(info.description, [handle.status()]);
    return openApiBuilders().buildServerDocument(catalog, {
      info: { ...info, description },
      serverUrl,
      apiKey: this.options.apiKey,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  }
}
