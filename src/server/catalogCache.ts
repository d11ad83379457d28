/**
 * Compiled tool catalogs (validators included), one per server, built when its tools arrive and kept until the
 * registry reports that server's tools changed, or the server was added or removed. Nothing is compiled
 * per request. The catalog code is loaded on first need (openapiBuilders.ts): callers await whenOpenApiReady() first.
 */
import type { Logger } from '../log/logger.js';
import type { ChangeKind, ServerRegistry } from '../mcp/types.js';
import type { ServerCatalog } from '../openapi/catalog.js';
import { loadOpenApiBuilders, openApiBuilders } from './openapiBuilders.js';

/** Change kinds after which a server's catalog must be rebuilt. Status changes alone keep it. */
const CATALOG_CHANGES: ReadonlySet<ChangeKind> = new Set(['tools', 'added', 'removed']);

/** Compiled catalogs by server name, kept in step with the registry (see onChange). */
export class CatalogCache {
  private readonly catalogs = new Map<string, ServerCatalog>();

  constructor(
    private readonly registry: ServerRegistry,
    private readonly logger: Logger,
  ) {}

  /** The catalog of `server`, or undefined when the registry has no such server. */
  get(server: string): ServerCatalog | undefined {
    const cached = this.catalogs.get(server);
    if (cached) return cached;
    const handle = this.registry.get(server);
    if (!handle) return undefined;
    const catalog = openApiBuilders().buildCatalog(server, handle.tools(), { logger: this.logger, perUser: handle.status().perUser !== undefined });
    this.catalogs.set(server, catalog);
    return catalog;
  }

  /** Catalogs of every server, in registry order. */
  all(): ServerCatalog[] {
    return this.registry.list().flatMap((h) => this.get(h.name) ?? []);
  }

  /**
   * Drops what `kind` of change on `server` made stale, and builds the new catalog right away (after the current
   * event) so the first call does not pay for it; each tool's schema is compiled on its first use (buildCatalog).
   */
  onChange(server: string, kind: ChangeKind): void {
    if (!CATALOG_CHANGES.has(kind)) return;
    this.catalogs.delete(server);
    // A failed load is left to the requests that need the catalog, which report it.
    if (kind === 'tools') setImmediate(() => void loadOpenApiBuilders().then(() => this.get(server), () => {}));
  }
}
