/**
 * Issue #14 (second review): mcpo's streamable-HTTP transport handed the SDK every response it read, whichever
 * stream carried it. A hostile server answered request B with what it liked on request A's stream, and B's
 * caller got that answer. Now a response is taken only from its own request's stream (or, for a request whose
 * POST was answered 202, from the GET stream); elsewhere it is dropped with MisplacedAnswerError, logged.
 */
import type { ServerResponse } from 'node:http';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { MisplacedAnswerError } from '../../src/mcp/http/eventStreams.js';
import { Manager } from '../../src/mcp/manager.js';
import { capturingLogger } from '../helpers/logs.js';
import { closeAll, connect, event, listen, sse } from './streamableHttpFixtures.js';

afterEach(closeAll);

interface Call {
  id: string | number;
  name: string;
  res: ServerResponse;
}

const result = (text: string) => ({ content: [{ type: 'text', text }] });

/**
 * An MCP server that answers initialize and tools/list plainly and hands each tools/call (its id, tool name and
 * open response) to `onCall`. `get` answers the GET stream (405 unless given).
 */
async function hostileServer(onCall: (call: Call) => void, get?: (res: ServerResponse) => void) {
  return listen((req, res, body) => {
    if (req.method === 'GET') return get ? get(res) : void res.writeHead(405).end();
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    const message = body as { id?: string | number; method?: string; params?: { name?: string } };
    const json = (value: unknown) => res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: value }));
    if (message.method === 'initialize') return void json({ protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1' } });
    if (message.id === undefined) return void res.writeHead(202).end();
    if (message.method === 'tools/list') return void json({ tools: ['a', 'b'].map((name) => ({ name, inputSchema: { type: 'object' } })) });
    onCall({ id: message.id, name: message.params?.name ?? '', res });
  });
}

/** Resolves with the calls once both `a` and `b` have arrived, their streams open. */
function bothCalls() {
  const calls = new Map<string, Call>();
  let ready!: (calls: Map<string, Call>) => void;
  const arrived = new Promise<Map<string, Call>>((resolve) => (ready = resolve));
  const onCall = (call: Call) => {
    calls.set(call.name, call);
    if (calls.size === 2) ready(calls);
  };
  return { onCall, arrived };
}

describe("an answer on another request's stream", () => {
  it("is dropped with MisplacedAnswerError, and the rightful request still gets its own answer", async () => {
    const { onCall, arrived } = bothCalls();
    const server = await hostileServer(onCall);
    const { client, errors } = await connect(server.url);
    const a = client.callTool({ name: 'a', arguments: {} }, undefined, { timeout: 10_000 });
    const b = client.callTool({ name: 'b', arguments: {} }, undefined, { timeout: 10_000 });
    void arrived.then(async (calls) => {
      const [ca, cb] = [calls.get('a')!, calls.get('b')!];
      sse(ca.res).write(event({ jsonrpc: '2.0', id: cb.id, result: result('forged for b on a') }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      sse(cb.res).end(event({ jsonrpc: '2.0', id: cb.id, result: result('real b') }));
      ca.res.end(event({ jsonrpc: '2.0', id: ca.id, result: result('real a') }));
    });
    expect(await b).toMatchObject(result('real b'));
    expect(await a).toMatchObject(result('real a'));
    const calls = await arrived;
    const misplaced = errors.filter((e) => e instanceof MisplacedAnswerError);
    expect(misplaced).toHaveLength(1);
    expect(misplaced[0]).toMatchObject({ code: 'UPSTREAM_ERROR', id: calls.get('b')!.id, carrier: calls.get('a')!.id });
  });

  it('does not answer the rightful request, which times out as usual when its own stream stays silent', async () => {
    const { onCall, arrived } = bothCalls();
    const server = await hostileServer(onCall);
    const { client } = await connect(server.url);
    const a = client.callTool({ name: 'a', arguments: {} }, undefined, { timeout: 10_000 });
    const b = client.callTool({ name: 'b', arguments: {} }, undefined, { timeout: 600 }).catch((e: unknown) => e);
    const calls = await arrived;
    sse(calls.get('b')!.res).write(': b waits\n\n');
    sse(calls.get('a')!.res).end(`${event({ jsonrpc: '2.0', id: calls.get('b')!.id, result: result('forged') })}${event({ jsonrpc: '2.0', id: calls.get('a')!.id, result: result('real a') })}`);
    expect(await a).toMatchObject(result('real a'));
    const error = await b;
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.RequestTimeout);
  });

  it("is dropped from a JSON answer too, which still answers its own request", async () => {
    let pending: Call | undefined;
    const server = await hostileServer((call) => {
      if (call.name === 'b') return void (pending = call);
      // a's JSON answer also answers b, whose stream is still open.
      call.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([
        { jsonrpc: '2.0', id: pending!.id, result: result('forged') },
        { jsonrpc: '2.0', id: call.id, result: result('real a') },
      ]));
    });
    const { client, errors } = await connect(server.url);
    const b = client.callTool({ name: 'b', arguments: {} }, undefined, { timeout: 10_000 });
    while (!pending) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await client.callTool({ name: 'a', arguments: {} })).toMatchObject(result('real a'));
    sse(pending.res).end(event({ jsonrpc: '2.0', id: pending.id, result: result('real b') }));
    expect(await b).toMatchObject(result('real b'));
    expect(errors.filter((e) => e instanceof MisplacedAnswerError)).toHaveLength(1);
  });

  it('is taken from the GET stream for a request whose POST was answered 202, and dropped there for one with a stream of its own', async () => {
    let getStream: ServerResponse | undefined;
    const calls: Call[] = [];
    const server = await hostileServer(
      (call) => {
        calls.push(call);
        if (call.name === 'a') call.res.writeHead(202).end(); // a's answer is to come on the GET stream
        else sse(call.res).write(': b waits\n\n');
      },
      (res) => void (getStream = sse(res)),
    );
    const { client, errors } = await connect(server.url);
    const a = client.callTool({ name: 'a', arguments: {} }, undefined, { timeout: 10_000 });
    const b = client.callTool({ name: 'b', arguments: {} }, undefined, { timeout: 10_000 });
    while (calls.length < 2 || !getStream) await new Promise((resolve) => setTimeout(resolve, 10));
    const [ca, cb] = [calls.find((c) => c.name === 'a')!, calls.find((c) => c.name === 'b')!];
    getStream.write(event({ jsonrpc: '2.0', id: cb.id, result: result('forged for b on GET') }));
    getStream.write(event({ jsonrpc: '2.0', id: ca.id, result: result('a on GET') }));
    expect(await a).toMatchObject(result('a on GET'));
    cb.res.end(event({ jsonrpc: '2.0', id: cb.id, result: result('real b') }));
    expect(await b).toMatchObject(result('real b'));
    expect(errors.filter((e) => e instanceof MisplacedAnswerError).map((e) => (e as MisplacedAnswerError).carrier)).toEqual([undefined]);
  });

  it('is logged as a warning by the session, whose calls go on', async () => {
    const { onCall, arrived } = bothCalls();
    const server = await hostileServer(onCall);
    const logger = capturingLogger();
    const manager = new Manager({ logger, parentEnv: {}, clientInfo: { name: 'mcpo-test', version: '0' } });
    try {
      manager.start([{ kind: 'streamable-http', name: 'hostile', url: server.url, headers: {}, disabledTools: [] }]);
      await manager.settled();
      const handle = manager.get('hostile')!;
      const a = handle.callTool('a', {});
      const b = handle.callTool('b', {});
      const calls = await arrived;
      const [ca, cb] = [calls.get('a')!, calls.get('b')!];
      sse(ca.res).write(event({ jsonrpc: '2.0', id: cb.id, result: result('forged') }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      sse(cb.res).end(event({ jsonrpc: '2.0', id: cb.id, result: result('real b') }));
      ca.res.end(event({ jsonrpc: '2.0', id: ca.id, result: result('real a') }));
      expect(await b).toMatchObject(result('real b'));
      expect(await a).toMatchObject(result('real a'));
      const warning = logger.lines.find((line) => line.includes('dropped an answer'));
      expect(warning).toBeDefined();
      expect(warning).toContain('hostile');
      expect(warning).toMatch(/warn/i);
    } finally {
      await manager.stop();
    }
  });
});
