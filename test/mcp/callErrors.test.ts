import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { describeError, mapCallError } from '../../src/mcp/callErrors.js';

const context = { server: 'secure', tool: 'echo', timeoutMs: 1000 };

// Regression (security review): the SDK quotes the upstream body; a server or proxy echoing the request
// put "authorization: Bearer <our token>" into 502 bodies, /healthz and logs.
describe('upstream error text', () => {
  it('redacts credentials the SDK quotes from an echoing server', () => {
    const echoed = new Error('Streamable HTTP error: Error POSTing to endpoint: {"headers":{"authorization":"Bearer 3ccWsecretTOKEN123"}}');
    const mapped = mapCallError(echoed, context);
    expect(mapped).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(mapped.message).not.toContain('3ccWsecretTOKEN123');
    expect(mapped.message).toContain('[redacted]');
    expect(JSON.stringify(mapped.toJSON())).not.toContain('3ccWsecretTOKEN123');
  });

  it('redacts JSON-RPC error messages and state descriptions too, keeping the useful part', () => {
    const rpc = new McpError(ErrorCode.InternalError, 'upstream said: token=abcdef123456 is invalid');
    expect(mapCallError(rpc, context).message).toBe('secure answered with an error: upstream said: token=[redacted] is invalid');
    const refused = new Error('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    expect(describeError(refused)).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
  });
});
