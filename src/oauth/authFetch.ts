/**
 * The fetch an OAuth-protected server's MCP transport sends through. It attaches the access token
 * (refreshed first when due: the SDK sends expired tokens as they are), and on the server's answer:
 * - 401: refresh once (single-flight, cross-process) and resend; if that cannot help, the 401 goes back
 *   to the transport and the session is told a new authorization is needed (never a loop here);
 * - 403 insufficient_scope: one step-up authorization (challenged scopes ∪ held scopes), then ONE resend
 *   (RFC 6750 §3.1; MCP authorization spec, scope challenge handling).
 * Request bodies are strings (JSON-RPC), so a request can be sent again as it was.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isWithinOrigin } from '../mcp/sdkInternals.js';
import { readChallenge, type BearerChallenge } from './scopes.js';

/** What the wrapper needs from the server's OAuth state. */
export interface TokenSource {
  /** The token to send now (refreshed when due), or undefined when none is held. */
  accessToken(): Promise<string | undefined>;
  /** The server refused `token`: a replacement to resend with, or undefined (the session must authorize). */
  unauthorized(token: string | undefined, challenge: BearerChallenge): Promise<string | undefined>;
  /** The server wants more scopes: authorize for them (waits for the user), then return the new token. */
  insufficientScope(challenge: BearerChallenge, signal?: AbortSignal): Promise<string | undefined>;
  /** A request went through with a token: resets the count of authorizations in a row. */
  accepted(): void;
}

/**
 * `serverUrl`: the token goes only to its origin (or its https form, as the SDK's redirect rule allows). The
 * SDK's transports never leave it today; this keeps a future endpoint or redirect rule from carrying the token away.
 */
export function createAuthFetch(source: TokenSource, base: FetchLike, serverUrl?: string): FetchLike {
  const server = serverUrl === undefined ? undefined : new URL(serverUrl);
  return async function authorizedFetch(url, init) {
    if (server && !isWithinOrigin(server, new URL(url))) return base(url, init);
    const token = await source.accessToken();
    const response = await base(url, withBearer(init, token));
    // Ending the session (DELETE, sent while mcpo stops the server) must never start an authorization.
    if (init?.method?.toUpperCase() === 'DELETE') return response;
    if (response.status === 401) {
      const replacement = await source.unauthorized(token, readChallenge(response));
      if (replacement === undefined || replacement === token) return response;
      await response.body?.cancel().catch(() => {});
      return finish(await base(url, withBearer(init, replacement)));
    }
    if (response.status === 403) {
      const challenge = readChallenge(response);
      if (challenge.error !== 'insufficient_scope') return response;
      await response.body?.cancel().catch(() => {});
      const stepped = await source.insufficientScope(challenge, init?.signal ?? undefined);
      return finish(await base(url, withBearer(init, stepped)));
    }
    return token === undefined ? response : finish(response);
  };

  function finish(response: Response): Response {
    if (response.ok) source.accepted();
    return response;
  }
}

function withBearer(init: RequestInit | undefined, token: string | undefined): RequestInit | undefined {
  if (token === undefined) return init;
  const headers = new Headers(init?.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return { ...init, headers };
}
