/**
 * BatchingStdioTransport (src/mcp/stdioTransport.ts) reading a real child's stdout: it must deliver, refuse and
 * report exactly what the SDK's own StdioClientTransport does, line for line, without the SDK's per-line zod parse.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { AnswerBounds, SharedStreamBounds } from '../../src/mcp/answerBounds.js';
import { LineReadBuffer } from '../../src/mcp/stdioReadBuffer.js';
import { BatchingStdioTransport } from '../../src/mcp/stdioTransport.js';
import { ToolListError } from '../../src/mcp/toolListError.js';

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

describe('LineReadBuffer with an answer bound (issue #14: one huge tools/list page)', () => {
  const TOOLS_LIST = { jsonrpc: '2.0' as const, id: 1, method: 'tools/list' };
  const bounded = (maxBufferSize = 10_000) => {
    const answers = new SharedStreamBounds(new AnswerBounds({ server: 'demo', maxToolListBytes: 100 }));
    return { answers, buffer: new LineReadBuffer({ maxBufferSize, answers }) };
  };
  const drain = (buffer: LineReadBuffer) => {
    const messages: JSONRPCMessage[] = [];
    for (let message = buffer.readMessage(); message; message = buffer.readMessage()) messages.push(message);
    return messages;
  };
  const refusalOf = (id: number) => ({ jsonrpc: '2.0', id, error: expect.objectContaining({ message: expect.stringContaining('passed 100 bytes'), data: expect.any(ToolListError) }) });

  it('drops a line past the bound as it arrives, without holding it, and refuses the tools/list; the lines around it go on', () => {
    // maxBufferSize 1000: holding the 10,000-byte line would throw "ReadBuffer exceeded maximum size".
    const { answers, buffer } = bounded(1000);
    answers.sent(TOOLS_LIST);
    buffer.append(Buffer.from(`${lines({ jsonrpc: '2.0', method: 'before' })}{"jsonrpc":"2.0","id":1,"result":{"tools":[`));
    const huge = Buffer.from('{"name":"t","inputSchema":{"type":"object"}},'.repeat(20));
    const seen: JSONRPCMessage[] = [];
    for (let i = 0; i < 11; i++) {
      buffer.append(huge);
      seen.push(...drain(buffer));
    }
    buffer.append(Buffer.from(`{}]}}\n${lines({ jsonrpc: '2.0', method: 'after' })}`));
    seen.push(...drain(buffer));
    expect(seen).toEqual([{ jsonrpc: '2.0', method: 'before' }, refusalOf(1), { jsonrpc: '2.0', method: 'after' }]);
  });

  it('lets a tools/list answer reach its bound past maxBufferSize, and refuses it past the bound rather than give up the stream', () => {
    const { answers, buffer } = bounded(60);
    answers.sent(TOOLS_LIST);
    const answer = { jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'a', inputSchema: { type: 'object' } }] } };
    const text = lines(answer);
    buffer.append(Buffer.from(text.slice(0, 50)));
    buffer.append(Buffer.from(text.slice(50)));
    expect(drain(buffer)).toEqual([answer]);
    answers.sent({ ...TOOLS_LIST, id: 2 });
    buffer.append(Buffer.from('{"jsonrpc":"2.0","id":2,"result":{"tools":[],"pad":"'));
    buffer.append(Buffer.from(`${'x'.repeat(100)}"}}\n`));
    expect(drain(buffer)).toEqual([refusalOf(2)]);
  });

  it('refuses a whole line past the bound that came in one chunk', () => {
    const { answers, buffer } = bounded();
    answers.sent(TOOLS_LIST);
    buffer.append(Buffer.from(lines({ jsonrpc: '2.0', id: 1, result: { tools: [], pad: 'x'.repeat(200) } }, { jsonrpc: '2.0', method: 'after' })));
    expect(drain(buffer)).toEqual([refusalOf(1), { jsonrpc: '2.0', method: 'after' }]);
  });

  it('parses a line past the bound while another request is in flight: it may be that one’s answer', () => {
    const { answers, buffer } = bounded();
    answers.sent(TOOLS_LIST);
    answers.sent({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x' } });
    const big = { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'x'.repeat(500) }] } };
    buffer.append(Buffer.from(lines(big)));
    expect(drain(buffer)).toEqual([big]);
    // The call's answer came: the tools/list is the only request in flight again, and the bound is back.
    buffer.append(Buffer.from(lines({ jsonrpc: '2.0', id: 1, result: { tools: [], pad: 'x'.repeat(200) } })));
    expect(drain(buffer)).toEqual([refusalOf(1)]);
  });
});
