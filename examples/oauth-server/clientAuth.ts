/**
 * Client authentication at /token and /revoke, run before the SDK's handlers.
 *
 * Why not only the SDK's: its `authenticateClient` reads credentials from the body alone (client_secret_post),
 * so a client using HTTP Basic (client_secret_basic, RFC 6749 §2.3.1, the RFC 7591 default) would be refused,
 * and it compares secrets with `!==`. This middleware accepts both methods, compares in constant time, and
 * hands the SDK a body with the already-verified credentials, so the SDK's own check then passes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { InvalidClientError, InvalidRequestError, type OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

/** Authentication methods advertised in the metadata documents. */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

interface PresentedCredentials {
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
  clientId: string;
  secret: string | undefined;
}

/** Equal strings in time independent of where they differ (digests make the lengths equal). */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function parseBasic(header: string): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined.
    const unform = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function presentedCredentials(req: Request, body: Record<string, unknown>): PresentedCredentials {
  const header = req.headers.authorization;
  const bodyId = typeof body.client_id === 'string' ? body.client_id : undefined;
  const bodySecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  if (header !== undefined && /^basic\s/i.test(header)) {
    const basic = parseBasic(header);
    if (!basic) throw new InvalidClientError('Malformed HTTP Basic credentials');
    // RFC 6749 §2.3: a client must not use more than one authentication method per request.
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)) {
      throw new InvalidRequestError('Use either HTTP Basic or body credentials, not both');
    }
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret };
  }
  if (bodyId === undefined) throw new InvalidRequestError('client_id is required');
  return { method: bodySecret === undefined ? 'none' : 'client_secret_post', clientId: bodyId, secret: bodySecret };
}

function sendError(res: Response, error: OAuthError, basicAttempted: boolean): void {
  // RFC 6749 §5.2: a failed HTTP Basic authentication is answered 401 with a Basic challenge.
  if (basicAttempted && error instanceof InvalidClientError) {
    res.set('WWW-Authenticate', 'Basic realm="oauth-example"');
    res.status(401).json(error.toResponseObject());
    return;
  }
  res.status(error instanceof InvalidClientError ? 401 : 400).json(error.toResponseObject());
}

/** Middleware factory for the token and revocation endpoints. */
export function authenticateClient(options: { clientsStore: OAuthRegisteredClientsStore }): RequestHandler[] {
  const verify = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method !== 'POST') return next();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const basicAttempted = /^basic\s/i.test(req.headers.authorization ?? '');
    try {
      const presented = presentedCredentials(req, body);
      const client = await options.clientsStore.getClient(presented.clientId);
      if (!client) throw new InvalidClientError('Unknown client');
      if (client.client_secret !== undefined) {
        if (presented.secret === undefined || !secretsEqual(presented.secret, client.client_secret)) {
          throw new InvalidClientError('Client authentication failed');
        }
        const registered = client.token_endpoint_auth_method;
        if ((registered === 'client_secret_basic' || registered === 'client_secret_post') && registered !== presented.method) {
          throw new InvalidClientError(`This client is registered for ${registered}`);
        }
      }
      req.body = { ...body, client_id: client.client_id, ...(client.client_secret ? { client_secret: client.client_secret } : {}) };
      next();
    } catch (error) {
      if (error instanceof InvalidClientError || error instanceof InvalidRequestError) sendError(res, error, basicAttempted);
      else next(error);
    }
  };
  return [express.urlencoded({ extended: false }), verify];
}
