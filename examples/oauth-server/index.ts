/**
 * `startOAuthExampleServer`: an OAuth 2.1 authorization server and an OAuth-protected MCP server on one
 * loopback origin, for demos (see main.ts) and as an in-process fixture for OAuth client tests.
 *
 * Endpoints: /.well-known/oauth-authorization-server, /.well-known/oauth-protected-resource/{mcp,sse},
 * /register, /authorize, /consent, /token, /revoke, /mcp (streamable HTTP), /sse + /messages (legacy SSE).
 */
import { DEFAULT_SUBJECT } from './consentPage.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { createExampleApp } from './app.js';
import { InMemoryClientsStore } from './clientsStore.js';
import { AuthorizationResponseIssuer, type IssuerOverride } from './issuerResponse.js';
import { PendingConsents } from './consent.js';
import { DEFAULT_CONSENT_TTL_SECONDS, InvalidOptionError, resolveOptions, type OAuthExampleServerOptions } from './options.js';
import { DemoOAuthProvider, toOAuthTokens } from './provider.js';
import { canonicalResource, serverUrls } from './resource.js';
import { BASELINE_SCOPES, SUPPORTED_SCOPES } from './scopes.js';
import { McpSessions, type SessionCounts } from './sessions.js';
import { RequestCounters, type OAuthExampleStats, type TokenAnswerDelay, type TokenFailureOptions } from './testHooks.js';
import { TokenStore } from './tokenStore.js';

export * from './options.js';
export { SUPPORTED_SCOPES, BASELINE_SCOPES, SCOPE_TOOLS_LIST, SCOPE_TOOLS_EXECUTE, SCOPE_TOOLS_EXECUTE_FINANCE } from './scopes.js';
export { STOCK_PRICES } from './tools.js';
export type { OAuthExampleStats, TokenAnswerDelay, TokenFailureOptions } from './testHooks.js';
export type { SessionCounts } from './sessions.js';
export type { IssuerOverride } from './issuerResponse.js';

/** What the test hook `issueTokens` mints. */
export interface IssueTokensOptions {
  /** A registered client (static or dynamic). */
  clientId: string;
  /** Default: the baseline scopes (tools:list tools:execute). */
  scopes?: string[];
  /** Resource to bind to (MCP URL, SSE URL or origin). Default: the origin (both transports). */
  resource?: string;
  /** The account the tokens act for (what `whoami` says). Default: the consent page's default subject. */
  subject?: string;
}

/** A running server. */
export interface OAuthExampleServer {
  /** Origin, no trailing slash, e.g. http://127.0.0.1:8000. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Streamable-HTTP MCP endpoint (also its RFC 8707 resource identifier). */
  readonly mcpUrl: string;
  /** Legacy SSE endpoint (also its resource identifier). */
  readonly sseUrl: string;
  /** `issuer` of the authorization server metadata. */
  readonly issuer: string;
  /** Closes every MCP session and the listening socket. */
  close(): Promise<void>;

  // Test hooks.
  /** Switches the consent page off (true) or on (false) for later /authorize requests. */
  setAutoApprove(autoApprove: boolean): void;
  /** Revokes every access and refresh token of a client; returns how many grants ended. */
  revokeClientTokens(clientId: string): number;
  /** The next `count` POST /token requests fail (default 503, optional Retry-After). */
  failNextTokenRequests(count: number, options?: TokenFailureOptions): void;
  /** The answers of the next `count` POST /token requests are held for `delay` (ms, or until the promise settles); the requests themselves take effect at once. */
  delayNextTokenAnswers(count: number, delay: TokenAnswerDelay): void;
  /** Closes and forgets every MCP session; a client naming an old streamable-HTTP session then gets 404. */
  forgetSessions(): Promise<number>;
  /** Open MCP sessions per transport. */
  sessionCounts(): SessionCounts;
  /** Request counters (token, refresh, registration...). */
  stats(): OAuthExampleStats;
  /** Mints a token pair without the browser flow, as if the user had approved. */
  issueTokens(options: IssueTokensOptions): OAuthTokens;
  /**
   * Makes later authorization responses carry another `iss` (a string) or none (null), as a mixed-up or
   * broken server would; undefined restores the default (the real issuer, or none with issuerIdentification false).
   */
  setAuthorizationResponseIssuer(iss: IssuerOverride): void;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The host name URLs use: wildcard binds are reached through loopback; IPv6 literals need brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '::1') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the server; resolves once it listens (with `port: 0`, read the chosen port from the result). */
export async function startOAuthExampleServer(options: OAuthExampleServerOptions = {}): Promise<OAuthExampleServer> {
  const resolved = resolveOptions(options);
  // The app is built after listening because every URL it publishes depends on the port the OS chose.
  const server = createServer();
  const address = await listen(server, resolved.port, resolved.host);
  const urls = serverUrls(`http://${urlHost(resolved.host)}:${address.port}`);

  const clients = new InMemoryClientsStore(resolved.clients, resolved.now, resolved.clientIdMetadataDocuments ? (url, init) => fetch(url, init) : undefined);
  const tokens = new TokenStore(resolved);
  const consents = new PendingConsents({ now: resolved.now, ttlSeconds: DEFAULT_CONSENT_TTL_SECONDS });
  const provider = new DemoOAuthProvider({ urls, clients, tokens, consents, autoApprove: resolved.autoApprove });
  const sessions = new McpSessions();
  const counters = new RequestCounters();
  // The metadata's issuer is the origin as a URL (with its "/"): `iss` must be that exact string (RFC 9207 §2.3).
  // A legacy-shaped server publishes an issuer with a path, at the origin's well-known location.
  const issuer = resolved.legacyMetadata ? `${urls.origin}/oauth` : new URL(urls.origin).href;
  const issuerResponse = new AuthorizationResponseIssuer(resolved.issuerIdentification ? issuer : null);
  try {
    server.on('request', createExampleApp({ urls, provider, consents, sessions, counters, options: resolved, issuerResponse, issuer }));
  } catch (error) {
    server.close();
    throw error;
  }

  return {
    url: urls.origin,
    port: address.port,
    host: resolved.host,
    mcpUrl: urls.mcp,
    sseUrl: urls.sse,
    issuer,
    async close() {
      await sessions.forgetAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    setAutoApprove(autoApprove) {
      provider.autoApprove = autoApprove;
    },
    revokeClientTokens: (clientId) => tokens.revokeClient(clientId),
    failNextTokenRequests: (count, failure) => counters.failNextTokenRequests(count, failure),
    delayNextTokenAnswers: (count, delay) => counters.delayNextTokenAnswers(count, delay),
    forgetSessions: () => sessions.forgetAll(),
    sessionCounts: () => sessions.counts(),
    stats: () => counters.snapshot(),
    setAuthorizationResponseIssuer: (iss) => issuerResponse.override(iss),
    issueTokens({ clientId, scopes = [...BASELINE_SCOPES], resource = urls.origin, subject = DEFAULT_SUBJECT }) {
      if (!clients.getClient(clientId)) throw new InvalidOptionError(`Unknown client ${clientId}`);
      if (!scopes.every((scope) => SUPPORTED_SCOPES.includes(scope))) throw new InvalidOptionError('Unknown scope');
      const bound = canonicalResource(urls, resource);
      if (bound === undefined) throw new InvalidOptionError(`Unknown resource ${resource}`);
      return toOAuthTokens(tokens.startGrant({ clientId, scopes, resource: bound, subject }));
    },
  };
}
