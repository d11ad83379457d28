/**
 * Bearer-token checks in front of the MCP endpoints: a valid token for the right resource (401 otherwise),
 * then the scopes the JSON-RPC body needs (403 insufficient_scope otherwise).
 *
 * Why not the SDK's `requireBearerAuth`: its 401 challenge carries `scope` only when the same scopes are
 * required of every request, and it checks expiry against the real clock. Here the 401 challenge always
 * names the baseline scopes (what a first authorization should ask for), scopes are decided per JSON-RPC
 * method, and expiry follows the injected clock (the provider's `verifyAccessToken` applies it).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { ScopeChallengeStyle } from './options.js';
import { resourceCovers, type McpResource, type ServerUrls } from './resource.js';
import { BASELINE_SCOPES, requiredScopesForBody, unionScopes } from './scopes.js';

/** A request that passed `requireBearer`; the MCP transports read `auth` and pass it to tool handlers. */
export type AuthenticatedRequest = Request & { auth?: AuthInfo };

export interface BearerGuardOptions {
  verifier: OAuthTokenVerifier;
  urls: ServerUrls;
  /** Which MCP resource this route belongs to; the token must be bound to it or to the origin. */
  target: McpResource;
  /** Challenges name the RFC 9728 document (resource_metadata). Default true; false for a legacy-shaped server. */
  resourceMetadata?: boolean;
}

/** RFC 6750 §3 auth-param list, values quoted; our values never contain quotes or backslashes. */
function challenge(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}="${value.replace(/["\\]/g, '')}"`);
  return `Bearer ${parts.join(', ')}`;
}

function metadataUrl(options: Pick<BearerGuardOptions, 'urls' | 'target' | 'resourceMetadata'>): string | undefined {
  if (options.resourceMetadata === false) return undefined;
  return options.target === 'mcp' ? options.urls.mcpResourceMetadata : options.urls.sseResourceMetadata;
}

/** 401 unless the request carries a live access token bound to this route's resource. */
export function requireBearer(options: BearerGuardOptions): RequestHandler {
  const resourceMetadata = metadataUrl(options);
  const scope = BASELINE_SCOPES.join(' ');
  return async function requireBearerToken(req: Request, res: Response, next: NextFunction): Promise<void> {
    const header = req.headers.authorization;
    const unauthorized = (error?: InvalidTokenError): void => {
      // RFC 6750 §3.1: a request without credentials gets no error code, just the challenge.
      res.set(
        'WWW-Authenticate',
        challenge({ error: error?.errorCode, error_description: error?.message, resource_metadata: resourceMetadata, scope }),
      );
      res.status(401).json(error ? error.toResponseObject() : { error: 'unauthorized', error_description: 'Bearer token required' });
    };
    if (header === undefined) return unauthorized();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return unauthorized(new InvalidTokenError("Expected 'Authorization: Bearer <token>'"));
    let auth: AuthInfo;
    try {
      auth = await options.verifier.verifyAccessToken(match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) return unauthorized(error);
      return next(error);
    }
    if (!resourceCovers(options.urls, auth.resource, options.target)) {
      return unauthorized(new InvalidTokenError('Token was not issued for this resource'));
    }
    (req as AuthenticatedRequest).auth = auth;
    next();
  };
}

/**
 * 403 insufficient_scope when the token lacks a scope the JSON-RPC body needs (see scopes.ts), answered
 * before the message reaches the MCP transport. Needs `express.json()` and `requireBearer` before it.
 */
export function requireScopesForBody(options: Omit<BearerGuardOptions, 'verifier'> & { style: ScopeChallengeStyle }): RequestHandler {
  const resourceMetadata = metadataUrl(options);
  return function requireScopes(req: Request, res: Response, next: NextFunction): void {
    const granted = (req as AuthenticatedRequest).auth?.scopes ?? [];
    const required = requiredScopesForBody(req.body);
    const missing = required.filter((scope) => !granted.includes(scope));
    if (missing.length === 0) return next();
    const scope = (options.style === 'granted-and-required' ? unionScopes(granted, required) : required).join(' ');
    const description = `This request needs the scope ${missing.join(' ')}`;
    res.set(
      'WWW-Authenticate',
      challenge({ error: 'insufficient_scope', scope, resource_metadata: resourceMetadata, error_description: description }),
    );
    res.status(403).json({ error: 'insufficient_scope', error_description: description, scope });
  };
}
