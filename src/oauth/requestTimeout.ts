/**
 * A time limit on mcpo's own OAuth requests (metadata, registration, token, probe). A token endpoint
 * that never answers must not hold the cross-process token lock, or a tool call, forever. Not used for
 * the MCP transport itself, whose event streams stay open on purpose.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Default limit of one OAuth request: 15 s. */
export const DEFAULT_OAUTH_REQUEST_TIMEOUT_MS = 15_000;

export function withRequestTimeout(fetch: FetchLike, timeoutMs: number): FetchLike {
  return (url, init) => {
    const limit = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, limit]) : limit;
    return fetch(url, { ...init, signal });
  };
}
