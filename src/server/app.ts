/**
 * The HTTP layer: every MCP tool as POST {pathPrefix}/{server}/{tool}, OpenAPI documents, Swagger UI and
 * /healthz, resolved against caches fed by the registry's change events (servers and tools come and go at
 * runtime).
 *
 * Two owners, split by toolTarget.ts's rule: the tool route (toolRoute.ts, on node:http, the hot path) answers
 * every tool call, successes and refusals alike; the Hono app answers everything else (documents, docs pages,
 * health, CORS preflights, and the 404/405 for other paths and methods). The policies both apply are single
 * functions they both call: the Host rule, the API-key check, CORS answer headers, the error envelope, the
 * request log. The app's middleware order: security headers → request log (sees the final status) → host guard
 * (DNS rebinding) → CORS (answers preflights before auth; none under {prefix}/oauth) → API key (under strictAuth) → routes.
 */
import { Hono } from 'hono';
import { UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ServerRegistry } from '../mcp/types.js';
import type { DocumentInfo } from '../openapi/document.js';
import { apiKeyCheck } from './auth.js';
import { CatalogCache } from './catalogCache.js';
import type { ServerContext } from './context.js';
import { CORS_MAX_AGE_SECONDS, corsAnswerHeaders, corsMiddleware } from './cors.js';
import { registerDocsRoutes } from './docsRoutes.js';
import { DocumentCache } from './documentCache.js';
import { registerDocumentRoutes } from './documentRoutes.js';
import { createErrorHandler } from './errorHandler.js';
import { registerHealthRoutes } from './healthRoutes.js';
import { hostGuard, hostRule, LOOPBACK_HOST_NAMES } from './hostGuard.js';
import { callerAuth, callerIdentification } from './identify.js';
import { nodeToolRoute, type NodeHandler } from './nodeToolRoute.js';
import { createNotFoundHandler } from './notFound.js';
import { isOAuthPath, registerConnectionsRoutes, registerOAuthCallbackRoute, type OAuthEndpoints } from './oauthRoutes.js';
import { resolvePublicAddress } from './publicUrl.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './requestBody.js';
import { requestLog } from './requestLog.js';
import { securityHeaders } from './securityHeaders.js';
import { ShuttingDown } from './shuttingDown.js';
import { createToolRoute } from './toolRoute.js';
import { UserKeys } from './userKeys.js';

export { CORS_MAX_AGE_SECONDS, DEFAULT_BODY_LIMIT_BYTES, LOOPBACK_HOST_NAMES };

/** Default app mode: every server under its own name. */
export const DEFAULT_MODE = 'multi';

/** What createApp needs; every optional field documents its default. */
export interface AppOptions {
  registry: ServerRegistry;
  logger: Logger;
  /** 'multi' (default): routes under /{server}/…; 'single': the only server's routes at the root (/{tool}, /openapi.json, /docs). */
  mode?: 'multi' | 'single';
  /** Protects tool routes: `Authorization: Bearer <key>` or `Basic base64(anything:<key>)`. The operator's key. */
  apiKey?: string;
  /**
   * Callers with keys of their own (the config's `users`); tool calls need a key once there is one. The caller may
   * replace() them later (hot reload). Default: none.
   */
  users?: UserKeys;
  /** Header naming the user on requests that carry `apiKey` (a trusted front-end's, e.g. Open WebUI). Needs apiKey. Default: none. */
  userHeader?: string;
  /** Also protect docs, openapi.json, healthz and the docs assets. Default false. */
  strictAuth?: boolean;
  /** Origins allowed by CORS; ['*'] allows any. Default: none (no CORS headers). */
  corsAllowOrigins?: string[];
  /** External prefix when behind a reverse proxy that strips it; affects URLs given to browsers only. */
  rootPath?: string;
  /** Prefix under which routes are served, e.g. '/api' → /api/{server}/{tool}. */
  pathPrefix?: string;
  /**
   * Where browsers and clients reach mcpo (publicUrl.ts): documents' servers are absolute URLs under it. Its path
   * must be rootPath + pathPrefix (either may be left out and is derived); UsageError otherwise.
   */
  publicUrl?: string;
  /** Title, description and version of the documents. */
  info: DocumentInfo;
  /**
   * Host names requests may be addressed to (Host header, without port); others get 403 HOST_NOT_ALLOWED.
   * Pass LOOPBACK_HOST_NAMES when listening on a loopback address, so web pages cannot reach mcpo through
   * DNS rebinding. Default: any host (needed behind reverse proxies that forward the public Host).
   */
  allowedHosts?: readonly string[];
  /** Largest accepted request body. Default DEFAULT_BODY_LIMIT_BYTES (10 MiB); larger → 413. */
  bodyLimitBytes?: number;
  /**
   * OAuth on mcpo's port: the callback of logins whose redirect is "server", and the connections page. Default:
   * none (no OAuth support loaded: those paths are 404).
   */
  oauth?: OAuthEndpoints;
  /** Proxies whose X-Forwarded-* headers the connections page believes ('*': any peer). Default: none. */
  forwardedAllowIps?: readonly string[] | '*';
}

export interface McpoApp {
  /** Everything but tool calls. */
  app: Hono;
  /** Every tool call, on node:http before `app` sees the request (toolRoute.ts); give both to listen(). */
  toolRoute: NodeHandler;
  /**
   * Shutdown: answers every tool call still in flight with 503 SERVER_UNAVAILABLE ("mcpo is shutting down",
   * Retry-After) and cancels it upstream; later calls get the same answer at once.
   */
  stopCalls(): void;
  /** Unsubscribes from the registry. */
  close(): void;
}

/**
 * The tool route and the Hono app over `options.registry`. Throws UsageError for inconsistent options (single mode with
 * several servers, strictAuth without a key, a bad prefix or body limit). Call close() to unsubscribe.
 */
export function createApp(options: AppOptions): McpoApp {
  const { registry, logger } = options;
  const mode = options.mode ?? DEFAULT_MODE;
  if (mode === 'single' && registry.list().length > 1) {
    throw new UsageError(`Single-server mode serves exactly one server, but ${registry.list().length} are configured`);
  }
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes <= 0) {
    throw new UsageError(`bodyLimitBytes must be a positive integer, got ${bodyLimitBytes}`);
  }
  const { rootPath, pathPrefix, publicUrl } = resolvePublicAddress({
    publicUrl: options.publicUrl,
    rootPath: options.rootPath,
    pathPrefix: options.pathPrefix,
    names: { publicUrl: 'publicUrl', rootPath: 'rootPath', pathPrefix: 'pathPrefix' },
  });
  const keyCheck = options.apiKey === undefined ? undefined : apiKeyCheck({ apiKey: options.apiKey });
  if (options.strictAuth && !keyCheck) throw new UsageError('strictAuth needs an API key');
  const users = options.users ?? new UserKeys();
  const identify = callerIdentification({ apiKey: options.apiKey, users, userHeader: options.userHeader });
  const strictAuth = Boolean(options.strictAuth);

  const catalogs = new CatalogCache(registry, logger);
  const documents = new DocumentCache({
    registry,
    catalogs,
    info: options.info,
    rootPath,
    pathPrefix,
    origin: publicUrl === undefined ? '' : new URL(publicUrl).origin,
    // Users configured later (hot reload) make calls need a key too; the documents say so from the next start.
    apiKey: keyCheck !== undefined || users.size > 0,
    mode,
    logger,
  });
  const unsubscribe = registry.onChange((server, kind) => {
    catalogs.onChange(server, kind);
    documents.onChange(server, kind);
  });

  const ctx: ServerContext = { registry, logger, catalogs, documents, mode, info: options.info, rootPath, pathPrefix, publicUrl, bodyLimitBytes, strictAuth };
  const cors = options.corsAllowOrigins && options.corsAllowOrigins.length > 0 ? corsAnswerHeaders(options.corsAllowOrigins) : undefined;

  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(createNotFoundHandler(ctx));
  app.use(securityHeaders());
  // Below info level nothing is logged per request: no middleware at all.
  if (logger.isEnabled('info')) app.use(requestLog({ logger }));
  if (options.allowedHosts !== undefined) app.use(hostGuard(hostRule(options.allowedHosts)));
  // Nothing under {prefix}/oauth is for other sites, whichever origins CORS allows (cors.ts).
  if (cors) app.use(corsMiddleware(cors, { exempt: (path) => isOAuthPath(pathPrefix, path) }));
  // Before the key: the callback is guarded by its login's state and browser cookie, the connections page by
  // oauthAccess.ts (the key as a Basic password a browser can give), not by the key middleware's rules.
  if (options.oauth) {
    registerOAuthCallbackRoute(app, ctx, options.oauth);
    registerConnectionsRoutes(app, ctx, options.oauth, { apiKey: keyCheck, publicUrl, forwardedAllowIps: options.forwardedAllowIps }, users);
  }
  // Users' keys open the documents and docs too: a user's client reads the document it calls tools from.
  if (strictAuth) app.use(callerAuth(identify));

  // Static paths first: in multi mode they would otherwise read as a server called "docs" or "healthz".
  registerHealthRoutes(app, ctx);
  registerDocsRoutes(app, ctx);
  registerDocumentRoutes(app, ctx);

  const shutdown = new ShuttingDown();
  const toolRoute = createToolRoute({ ctx, host: hostRule(options.allowedHosts), identify, cors });
  return {
    app,
    toolRoute: nodeToolRoute(toolRoute, { logger, shutdown }),
    stopCalls: () => shutdown.stopCalls(),
    close: unsubscribe,
  };
}
