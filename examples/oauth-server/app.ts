/**
 * The Express application: authorization server (SDK `mcpAuthRouter` + this example's provider), consent page,
 * metadata documents, and the OAuth-protected MCP endpoints, all on one origin.
 */
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { createOAuthMetadata, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import type { OAuthMetadata, OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { authenticateClient, CLIENT_AUTH_METHODS } from './clientAuth.js';
import { consentRouter, type PendingConsents } from './consent.js';
import type { AuthorizationResponseIssuer } from './issuerResponse.js';
import { mcpRouter } from './mcpRoutes.js';
import { requirePkce } from './pkce.js';
import type { ResolvedOptions } from './options.js';
import { CONSENT_PATH, type DemoOAuthProvider } from './provider.js';
import type { ServerUrls } from './resource.js';
import { SUPPORTED_SCOPES } from './scopes.js';
import type { McpSessions } from './sessions.js';
import type { RequestCounters } from './testHooks.js';

/** Shown as `resource_name` in the protected resource metadata. */
export const RESOURCE_NAME = 'mcpo OAuth example MCP server';

export interface ExampleAppParts {
  urls: ServerUrls;
  provider: DemoOAuthProvider;
  consents: PendingConsents;
  sessions: McpSessions;
  counters: RequestCounters;
  options: ResolvedOptions;
  /** Adds RFC 9207 `iss` to authorization responses (and lets tests make it misbehave). */
  issuerResponse: AuthorizationResponseIssuer;
  /** The metadata's `issuer`. */
  issuer: string;
}

/**
 * RFC 8414 metadata: the SDK's, plus client_secret_basic, which clientAuth.ts adds support for, and the
 * RFC 9207 flag when authorization responses carry `iss`.
 */
export function authorizationServerMetadata(urls: ServerUrls, provider: DemoOAuthProvider, issuerIdentification = true, issuer?: string): OAuthMetadata {
  const metadata = createOAuthMetadata({ provider, issuerUrl: new URL(urls.origin), scopesSupported: [...SUPPORTED_SCOPES] });
  return {
    ...metadata,
    ...(issuer === undefined ? {} : { issuer }),
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    ...(provider.clientsStore.acceptsMetadataDocuments ? { client_id_metadata_document_supported: true } : {}),
    ...(issuerIdentification ? { authorization_response_iss_parameter_supported: true } : {}),
  };
}

/** RFC 9728 metadata of one MCP endpoint; `resource` is the endpoint's URL, as MCP clients expect. */
export function protectedResourceMetadata(resource: string, issuer: string): OAuthProtectedResourceMetadata {
  return {
    resource,
    authorization_servers: [issuer],
    scopes_supported: [...SUPPORTED_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: RESOURCE_NAME,
  };
}

/** One line per request once the response is done or the connection closes: never headers, query or body. */
function requestLogger(log: (line: string) => void, now: () => number): RequestHandler {
  return (req, res, next) => {
    const started = now();
    // Captured now: routers rewrite req.url while routing. The query is dropped (it may carry a code or state).
    const path = req.originalUrl.split('?')[0];
    res.once('close', () => {
      log(`${new Date(now()).toISOString()} ${req.method} ${path} ${res.statusCode} ${now() - started}ms`);
    });
    next();
  };
}

function errorHandler(log: ((line: string) => void) | undefined): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // body-parser errors carry a 4xx status (malformed JSON, too large); anything else is our bug.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'invalid_request', error_description: 'Malformed request body' });
      return;
    }
    log?.(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    res.status(500).json({ error: 'server_error', error_description: 'Internal server error' });
  };
}

export function createExampleApp(parts: ExampleAppParts): Express {
  const { urls, provider, consents, sessions, counters, options, issuerResponse, issuer } = parts;
  // Host-header validation against DNS rebinding on loopback, and express.json() for the MCP endpoints.
  const app = createMcpExpressApp({ host: options.host });
  app.disable('x-powered-by');
  if (options.log) app.use(requestLogger(options.log, options.now));

  const asMetadata = authorizationServerMetadata(urls, provider, options.issuerIdentification, issuer);
  const stampIssuer = issuerResponse.middleware();
  // Mounted before mcpAuthRouter, so these win over the router's own (which lacks client_secret_basic and /sse).
  app.use('/.well-known/oauth-authorization-server', metadataHandler(asMetadata));
  if (options.legacyMetadata) {
    // 2025-03-26: no RFC 9728 document anywhere (also not the one mcpAuthRouter would serve).
    app.use('/.well-known/oauth-protected-resource', (_req, res) => void res.status(404).json({ error: 'not_found' }));
  } else {
    app.use('/.well-known/oauth-protected-resource/mcp', metadataHandler(protectedResourceMetadata(urls.mcp, asMetadata.issuer)));
    app.use('/.well-known/oauth-protected-resource/sse', metadataHandler(protectedResourceMetadata(urls.sse, asMetadata.issuer)));
  }

  app.use(
    '/authorize',
    stampIssuer,
    counters.count('authorizationRequests'),
    express.urlencoded({ extended: false }),
    requirePkce({ clientsStore: provider.clientsStore }),
  );
  app.use('/register', counters.count('registrations'));
  app.use('/token', express.urlencoded({ extended: false }), counters.tokenEndpoint(), ...authenticateClient({ clientsStore: provider.clientsStore }));
  app.use('/revoke', counters.count('revocationRequests'), ...authenticateClient({ clientsStore: provider.clientsStore }));
  app.use(
    mcpAuthRouter({
      provider,
      issuerUrl: new URL(urls.origin),
      scopesSupported: [...SUPPORTED_SCOPES],
      resourceServerUrl: new URL(urls.mcp),
      resourceName: RESOURCE_NAME,
      // A local demo and test fixture: rate limits would only make tests flaky.
      authorizationOptions: { rateLimit: false },
      tokenOptions: { rateLimit: false },
      revocationOptions: { rateLimit: false },
      // Secrets live as long as this process anyway; 0 = never expires (RFC 7591 §3.2.1).
      clientRegistrationOptions: { rateLimit: false, clientSecretExpirySeconds: 0 },
    }),
  );
  app.use(CONSENT_PATH, stampIssuer, consentRouter(provider, consents));
  app.use(mcpRouter({ verifier: provider, urls, sessions, scopeChallenge: options.scopeChallenge, resourceMetadata: !options.legacyMetadata }));
  app.use(errorHandler(options.log));
  return app;
}
