/**
 * Token revocation (RFC 7009) for `mcpo auth logout`: the refresh token first (revoking it ends the
 * whole grant at most servers), then the access token, each with the client authentication the token
 * endpoint uses (RFC 7009 §2.1).
 */
import { selectClientAuthMethod } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { fetchWithinOrigin } from '../mcp/sdkInternals.js';
import type { OAuthConfig } from '../config/types.js';
import { RevocationError } from './errors.js';
import { resolveClient } from './provider.js';
import type { StoredAuth } from './store/schema.js';

/** What logout did at the server. */
export type RevocationOutcome = 'revoked' | 'not_advertised' | 'nothing_to_revoke';

/** Revokes the stored tokens at the advertised revocation endpoint; RevocationError when the server refuses. */
export async function revokeStoredTokens(stored: StoredAuth | undefined, config: OAuthConfig, baseFetch: FetchLike): Promise<RevocationOutcome> {
  // A redirect to another origin would carry the tokens (and a client_secret_post) there: followed within the origin only, as the SDK does for token requests.
  const fetch = fetchWithinOrigin(baseFetch);
  const tokens = stored?.tokens;
  if (!stored || !tokens) return 'nothing_to_revoke';
  // OpenID provider metadata types do not declare the RFC 7009 fields; both documents may carry them.
  const metadata: Record<string, unknown> = stored.discovery?.authorizationServerMetadata ?? {};
  const endpoint = metadata['revocation_endpoint'];
  if (typeof endpoint !== 'string') return 'not_advertised';
  const client = resolveClient(config, stored);
  const supported = stringList(metadata['revocation_endpoint_auth_methods_supported']) ?? stringList(metadata['token_endpoint_auth_methods_supported']) ?? [];
  const method = client ? selectClientAuthMethod(client, supported) : 'none';
  const hinted: Array<[string, string]> = [];
  if (tokens.refresh_token) hinted.push([tokens.refresh_token, 'refresh_token']);
  hinted.push([tokens.access_token, 'access_token']);
  for (const [token, hint] of hinted) {
    const body = new URLSearchParams({ token, token_type_hint: hint });
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
    if (client && method === 'client_secret_basic' && client.client_secret) {
      const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
      headers.set('authorization', `Basic ${Buffer.from(`${encode(client.client_id)}:${encode(client.client_secret)}`).toString('base64')}`);
    } else if (client) {
      body.set('client_id', client.client_id);
      if (method === 'client_secret_post' && client.client_secret) body.set('client_secret', client.client_secret);
    }
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers, body });
    } catch (error) {
      throw new RevocationError(undefined, error);
    }
    await response.body?.cancel().catch(() => {});
    // RFC 7009 §2.2: 200 for a revoked token and for one the server did not know (already invalid).
    if (!response.ok) throw new RevocationError(response.status);
  }
  return 'revoked';
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}
