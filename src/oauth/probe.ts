/**
 * Asks the MCP server, without a token, how it wants to be authorized: the 401's WWW-Authenticate names
 * the protected resource metadata and the scope to request (MCP authorization spec, "Authorization Server
 * Discovery" and "Scope Selection Strategy"). The request goes to the MCP server itself, so the entry's
 * configured headers are sent with it.
 */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { fetchWithinOrigin } from '../mcp/sdkInternals.js';
import type { RemoteEntry } from '../config/types.js';
import { readChallenge, type BearerChallenge } from './scopes.js';

export type ProbeResult = { protected: true; challenge: BearerChallenge } | { protected: false };

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcpo-probe', version: '0' } },
});

/** A POST initialize (streamable HTTP) or GET event stream (SSE); for a url without type, both if needed. */
export async function probeServer(entry: Pick<RemoteEntry, 'url' | 'kind' | 'headers'>, baseFetch: FetchLike): Promise<ProbeResult> {
  // The configured headers (API keys) must not follow a redirect to another origin: the SDK's transports follow within the origin only, and so does the probe.
  const fetch = fetchWithinOrigin(baseFetch);
  const attempts: Array<() => Promise<Response>> = [];
  if (entry.kind !== 'sse') {
    attempts.push(() =>
      fetch(entry.url, {
        method: 'POST',
        headers: { ...entry.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: INITIALIZE,
      }),
    );
  }
  if (entry.kind !== 'streamable-http') {
    attempts.push(() => fetch(entry.url, { method: 'GET', headers: { ...entry.headers, accept: 'text/event-stream' } }));
  }
  for (const attempt of attempts) {
    const response = await attempt();
    await response.body?.cancel().catch(() => {});
    if (response.status === 401) return { protected: true, challenge: readChallenge(response) };
    if (response.ok) return { protected: false };
  }
  return { protected: false };
}
