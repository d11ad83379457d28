/**
 * OAuth scope strings (RFC 6749 §3.3: space-separated, case-sensitive, order irrelevant) and the
 * bearer challenge a server answers with (RFC 6750 §3, RFC 9728 §5.1).
 */
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';

/** A scope value as a list without duplicates or empty entries. */
export function parseScopes(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(/\s+/).filter((s) => s.length > 0))];
}

/** The union of several scope values, first appearance order kept; undefined when empty. */
export function unionScopes(...values: Array<string | undefined>): string | undefined {
  const all = [...new Set(values.flatMap(parseScopes))];
  return all.length ? all.join(' ') : undefined;
}

/** What a 401/403 `WWW-Authenticate: Bearer ...` header asks for. */
export interface BearerChallenge {
  /** RFC 9728 §5.1 `resource_metadata`. */
  resourceMetadataUrl?: URL;
  /** Scopes the server wants (RFC 6750 §3). */
  scope?: string;
  /** e.g. `invalid_token`, `insufficient_scope`. */
  error?: string;
}

/** The bearer challenge of a response (empty when there is none). */
export function readChallenge(response: Response): BearerChallenge {
  const { resourceMetadataUrl, scope, error } = extractWWWAuthenticateParams(response);
  return {
    ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}),
    ...(scope ? { scope } : {}),
    ...(error ? { error } : {}),
  };
}
