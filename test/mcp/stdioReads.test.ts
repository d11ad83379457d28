/**
 * BatchingStdioTransport (src/mcp/stdioTransport.ts) reading a real child's stdout: it must deliver, refuse and
 * report exactly what the SDK's own StdioClientTransport does, line for line, without the SDK's per-line zod parse.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BatchingStdioTransport } from '../../src/mcp/stdioTransport.js';

// Writes each chunk given as argument to stdout, a few milliseconds apart (so they arrive as separate reads),
// then stays until its stdin closes.
const CHILD = `
const chunks = JSON.parse(process.argv[1]);
const next = () => { if (chunks.length) { process.stdout.write(chunks.shift()); setTimeout(next, 5); } };
next();
process.stdin.resume();`;

const DONE = '{"jsonrpc":"2.0","method":"done"}\n';

interface Observed {
  messages: JSONRPCMessage[];
  errors: { name: string; message: string }[];
  closed: boolean;
}

const open: StdioClientTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  vi.restoreAllMocks();
});

/**
 * What a transport of the given class reports while the child writes `chunks`, then a last "done" notification
 * (not with a maxBufferSize: the transport is expected to close, and a line after the overflow would race with that).
 */
async function observe(Transport: typeof StdioClientTransport, chunks: string[], maxBufferSize?: number): Promise<Observed> {
  const seen: Observed = { messages: [], errors: [], closed: false };
  const written = maxBufferSize ? chunks : [...chunks, DONE];
  const transport = new Transport({ command: process.execPath, args: ['-e', CHILD, JSON.stringify(written)], stderr: 'inherit', ...(maxBufferSize ? { maxBufferSize } : {}) });
  transport.onmessage = (message) => void seen.messages.push(message);
  transport.onerror = (error) => void seen.errors.push({ name: error.name, message: error.message });
  transport.onclose = () => void (seen.closed = true);
  open.push(transport);
  await transport.start();
  await expect.poll(() => seen.closed || seen.messages.some((m) => 'method' in m && m.method === 'done')).toBe(true);
  return seen;
}

const lines = (...values: unknown[]) => values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)) + '\n').join('');

const WELL_FORMED = [
  lines({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'héllo ✓' }], structuredContent: { n: 1 } } }),
  lines({ jsonrpc: '2.0', id: 'a', method: 'sampling/createMessage', params: { messages: [] } }),
  lines({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }, { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } }),
  lines({ jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'bad', data: { why: 'no' } } }, { jsonrpc: '2.0', error: { code: -32700, message: 'parse' } }),
  // Fields the SDK's schema reshapes: unknown keys in an error are dropped, _meta is checked in depth.
  lines({ jsonrpc: '2.0', id: 3, error: { code: 1, message: 'm', extra: true } }),
  lines({ jsonrpc: '2.0', id: 4, result: { _meta: { progressToken: 5, other: 1 } } }, { jsonrpc: '2.0', method: 'n', params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't', more: 1 } } } }),
  '{"jsonrpc":"2.0","id":5,"result":{}}\r\n',
  // One message split across two reads, and two in one.
  '{"jsonrpc":"2.0","id":6,"res',
  'ult":{"a":[1,2]}}\n{"jsonrpc":"2.0","id":7,"result":{}}\n',
];

const MALFORMED = [
  'Server listening on port 3000 (a log line printed to stdout)\n',
  '\n',
  'oops\r\n', // a short log line ending in CRLF: the '\r' would show in the error
  lines([1, 2], null, 'text', 42),
  lines({ jsonrpc: '1.0', id: 1, result: {} }, { id: 1, result: {} }, { jsonrpc: '2.0', id: 1 }),
  lines({ jsonrpc: '2.0', id: 1.5, result: {} }, { jsonrpc: '2.0', id: null, result: {} }, { jsonrpc: '2.0', id: 1, result: 'x' }, { jsonrpc: '2.0', id: 1, result: [] }),
  lines({ jsonrpc: '2.0', method: 5 }, { jsonrpc: '2.0', method: 'm', params: [1] }, { jsonrpc: '2.0', id: {}, method: 'm' }),
  lines({ jsonrpc: '2.0', id: 1, result: {}, extra: 1 }, { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'm' } }),
  lines({ jsonrpc: '2.0', error: { code: 'x', message: 'm' } }, { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'm' } }, { jsonrpc: '2.0', id: 1, error: { code: 1 } }),
  lines({ jsonrpc: '2.0', id: 1, result: { _meta: { progressToken: 1.5 } } }),
  lines({ jsonrpc: '2.0', id: 8, result: {} }),
];

describe('BatchingStdioTransport reading the child', () => {
  it('checks lines itself instead of through the SDK transport it extends (the quick reads are in use)', async () => {
    // Guards the one coupling: the SDK keeps its read buffer in a private field; if it is renamed, reads fall back to the SDK's.
    const transport = new BatchingStdioTransport({ command: process.execPath, args: ['-e', ''] });
    expect(transport.quickReads).toBe(true);
  });

  it('delivers well-formed messages without running the SDK schema parse on each line', async () => {
    const parse = vi.spyOn(JSONRPCMessageSchema, 'parse');
    const plain = WELL_FORMED.slice(0, 4);
    const seen = await observe(BatchingStdioTransport, plain);
    expect(seen.errors).toEqual([]);
    expect(seen.messages).toHaveLength(7);
    expect(parse).not.toHaveBeenCalled();
  });

  it('delivers the same messages as the SDK transport, including the fields its schema reshapes', async () => {
    const [ours, sdk] = await Promise.all([observe(BatchingStdioTransport, WELL_FORMED), observe(StdioClientTransport, WELL_FORMED)]);
    expect(sdk.errors).toEqual([]);
    expect(ours).toEqual(sdk);
  });

  it('reports each log line and malformed message as the SDK transport does, and goes on reading', async () => {
    const [ours, sdk] = await Promise.all([observe(BatchingStdioTransport, MALFORMED), observe(StdioClientTransport, MALFORMED)]);
    expect(sdk.errors.length).toBe(23);
    expect(sdk.messages.map((m) => 'id' in m && m.id)).toEqual([8, false]);
    expect(ours).toEqual(sdk);
  });

  it('reports a message larger than maxBufferSize and closes, as the SDK transport does', async () => {
    const huge = [`{"jsonrpc":"2.0","id":1,"result":{"pad":"${'x'.repeat(3000)}"}}\n`];
    const [ours, sdk] = await Promise.all([observe(BatchingStdioTransport, huge, 2048), observe(StdioClientTransport, huge, 2048)]);
    expect(sdk.closed).toBe(true);
    expect(sdk.errors.map((e) => e.message)).toEqual(['ReadBuffer exceeded maximum size of 2048 bytes']);
    expect(ours).toEqual(sdk);
  });
});
