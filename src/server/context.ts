/**
 * What the tool route and the app's route modules share, assembled once by createApp.
 */
import { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ServerRegistry } from '../mcp/types.js';
import type { DocumentInfo } from '../openapi/document.js';
import type { CatalogCache } from './catalogCache.js';
import type { DocumentCache } from './documentCache.js';
import { didYouMean } from './suggest.js';

export interface ServerContext {
  registry: ServerRegistry;
  logger: Logger;
  catalogs: CatalogCache;
  documents: DocumentCache;
  mode: 'multi' | 'single';
  info: DocumentInfo;
  /** Normalized ('' or '/x'). */
  rootPath: string;
  /** Normalized ('' or '/x'). */
  pathPrefix: string;
  /** Where browsers and clients reach mcpo (publicUrl.ts), when given: origin + rootPath + pathPrefix. */
  publicUrl?: string;
  bodyLimitBytes: number;
  /** Whether docs, documents, health and assets also require the API key. */
  strictAuth: boolean;
}

/** 404 SERVER_NOT_FOUND for `name`, suggesting close names among the configured servers. */
export function serverNotFound(registry: ServerRegistry, name: string): McpoError {
  const names = registry.list().map((h) => h.name);
  return new McpoError('SERVER_NOT_FOUND', `No server named "${name}".${didYouMean(name, names)}`, {
    details: { server: name },
  });
}

/** The server single mode serves: the registry's only one. */
export function singleServerName(registry: ServerRegistry): string | undefined {
  return registry.list()[0]?.name;
}
