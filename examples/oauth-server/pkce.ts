/**
 * PKCE gate in front of the SDK's /authorize handler.
 *
 * The SDK handler already refuses a missing `code_challenge` and any method but S256, but its error redirect
 * then omits `state` (it reads state only after the parameters parsed), although RFC 6749 §4.1.2.1 requires
 * it: a client matching responses to requests by state could not tell what failed. This gate refuses the
 * same requests with `state` kept. Requests it cannot redirect safely (unknown client, unregistered
 * redirect_uri) are left to the SDK, which answers them directly.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { redirectUriMatches } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js';

function pkceProblem(params: Record<string, unknown>): string | undefined {
  if (typeof params.code_challenge !== 'string' || params.code_challenge === '') return 'code_challenge is required (PKCE)';
  if (params.code_challenge_method !== 'S256') return 'code_challenge_method must be S256';
  return undefined;
}

/** Needs `express.urlencoded()` before it for POST /authorize. */
export function requirePkce(options: { clientsStore: OAuthRegisteredClientsStore }): RequestHandler {
  return async function requirePkceS256(req: Request, res: Response, next: NextFunction): Promise<void> {
    const params = ((req.method === 'POST' ? req.body : req.query) ?? {}) as Record<string, unknown>;
    const problem = pkceProblem(params);
    if (problem === undefined || typeof params.client_id !== 'string') return next();
    const client = await options.clientsStore.getClient(params.client_id);
    if (!client) return next();
    const requested = typeof params.redirect_uri === 'string' ? params.redirect_uri : undefined;
    const redirectUri =
      requested === undefined
        ? client.redirect_uris.length === 1
          ? client.redirect_uris[0]
          : undefined
        : client.redirect_uris.some((registered) => redirectUriMatches(requested, registered))
          ? requested
          : undefined;
    if (redirectUri === undefined) return next();
    const target = new URL(redirectUri);
    target.searchParams.set('error', 'invalid_request');
    target.searchParams.set('error_description', problem);
    if (typeof params.state === 'string') target.searchParams.set('state', params.state);
    res.set('Cache-Control', 'no-store');
    res.redirect(302, target.href);
  };
}
