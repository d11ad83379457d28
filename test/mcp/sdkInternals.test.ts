/**
 * The SDK internals mcpo relies on (src/mcp/sdkInternals.ts), each checked against the installed SDK for the shape
 * and behaviour mcpo uses. Run with every SDK upgrade (package.json pins one version): a failure names the internal
 * that moved, and sdkInternals.ts is where to adapt.
 */
import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ReadBuffer } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { CallToolResultSchema, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mcpHttpFetch } from '../../src/mcp/httpFetch.js';
import { withNodeBody } from '../../src/mcp/http/nodeResponse.js';
import {
  fetchWithinOrigin,
  isWithinOrigin,
  protocolSignal,
  replaceStdioReadBuffer,
  stdioChild,
  stdioReadBuffer,
  unfollowedRedirect,
  type StdioReadBuffer,
} from '../../src/mcp/sdkInternals.js';
import type { CallSignal } from '../../src/mcp/types.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SDK = '@modelcontextprotocol/sdk';

describe(`the pin of ${SDK}`, () => {
  it('package.json and package-lock.json name the installed version exactly, not a range', () => {
    const installed = (JSON.parse(readFileSync(`${REPO}/node_modules/${SDK}/package.json`, 'utf8')) as { version: string }).version;
    const manifest = JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(`${REPO}/package-lock.json`, 'utf8')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string> }> };
    expect(manifest.dependencies[SDK], `package.json must pin ${SDK} to one version (installed: ${installed})`).toBe(installed);
    expect(lock.packages['']?.dependencies?.[SDK], `package-lock.json's root must pin ${SDK} as package.json does`).toBe(installed);
    expect(lock.packages[`node_modules/${SDK}`]?.version, `package-lock.json must lock ${SDK} at the pinned version`).toBe(installed);
  });
});

describe('shared/transport.js @internal redirect helpers', () => {
  let server: Server;
  let other: Server;
  let origin: string;
  let otherOrigin: string;

  const listen = async (s: Server): Promise<string> => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    // /here → 307 → /there (same origin); /away → 307 → another origin; /there answers with the method it got.
    server = createServer((req, res) => {
      if (req.url === '/here') res.writeHead(307, { location: '/there' }).end();
      else if (req.url === '/away') res.writeHead(307, { location: `${otherOrigin}/x?token=secret` }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${req.url}`);
    });
    other = createServer((_req, res) => res.end('other origin'));
    [origin, otherOrigin] = await Promise.all([listen(server), listen(other)]);
  });
  afterAll(() => {
    server.closeAllConnections();
    other.closeAllConnections();
    server.close();
    other.close();
  });

  // mcpo hands them the global fetch (OAuth) and its node:http fetch answering NodeBodyResponses (streamable HTTP).
  const fetches = [
    { name: 'the global fetch', fetch: (url: string | URL, init?: RequestInit) => fetch(url, init), init: (init: RequestInit) => init },
    { name: "mcpo's node:http fetch (NodeBodyResponse)", fetch: mcpHttpFetch, init: withNodeBody },
  ];

  it.each(fetches)('fetchWithinOrigin(fetch) follows a redirect within the origin, keeping the method, over $name', async ({ fetch, init }) => {
    expect(typeof fetchWithinOrigin, 'fetchWithinOrigin is no longer exported by shared/transport.js').toBe('function');
    const response = await fetchWithinOrigin(fetch)(`${origin}/here`, init({ method: 'POST', body: '{}' }));
    expect({ status: response.status, text: await response.text() }, 'fetchWithinOrigin no longer follows a same-origin 307').toEqual({ status: 200, text: 'POST /there' });
  });

  it.each(fetches)('fetchWithinOrigin(fetch) returns a redirect to another origin unfollowed, and unfollowedRedirect names it, over $name', async ({ fetch, init }) => {
    expect(typeof unfollowedRedirect, 'unfollowedRedirect is no longer exported by shared/transport.js').toBe('function');
    const response = await fetchWithinOrigin(fetch)(`${origin}/away`, init({ method: 'POST', body: '{}' }));
    expect(response.status, 'fetchWithinOrigin followed a redirect to another origin').toBe(307);
    expect(unfollowedRedirect(response, `${origin}/away`), 'unfollowedRedirect no longer names the target (without its query)').toBe(`Redirect to ${otherOrigin}/x not followed`);
    const plain = await fetch(`${origin}/there`, init({}));
    expect(unfollowedRedirect(plain, `${origin}/there`), 'unfollowedRedirect describes an answer that is no redirect').toBeUndefined();
  });

  it('isWithinOrigin(from, to) is true for the same scheme, host and port, and for the https form on default ports', () => {
    expect(typeof isWithinOrigin, 'isWithinOrigin is no longer exported by shared/transport.js').toBe('function');
    const within = (from: string, to: string) => isWithinOrigin(new URL(from), new URL(to));
    expect(
      [within('http://h:1/a', 'http://h:1/b'), within('http://h:1/', 'http://h:2/'), within('http://h/', 'https://h/'), within('https://h/', 'http://h/'), within('http://h/', 'http://g/')],
      'isWithinOrigin changed its rule',
    ).toEqual([true, false, true, false, false]);
  });
});

describe('StdioClientTransport private fields', () => {
  const open: StdioClientTransport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  /** A child that prints one notification and stays until its stdin closes. */
  const transport = () => {
    const t = new StdioClientTransport({
      command: process.execPath,
      args: ['-e', `process.stdout.write('{"jsonrpc":"2.0","method":"hello"}\\n'); process.stdin.resume();`],
      stderr: 'ignore',
    });
    open.push(t);
    return t;
  };

  it('_process holds the started ChildProcess (the one of transport.pid) until close()', async () => {
    const t = transport();
    expect(stdioChild(t), '_process is set before start()').toBeUndefined();
    await t.start();
    const child = stdioChild(t);
    expect(child, 'StdioClientTransport no longer keeps its child in the private field _process').toBeInstanceOf(ChildProcess);
    expect(child?.pid, '_process is not the child of transport.pid').toBe(t.pid);
    expect(child?.stdin?.writable, "_process's stdin is not the child's writable stdin").toBe(true);
    await t.close();
    expect(stdioChild(t), '_process is still set after close()').toBeUndefined();
  });

  it("_readBuffer holds the SDK's ReadBuffer, and a buffer put in its place is the one start() feeds and reads", async () => {
    const t = transport();
    expect(stdioReadBuffer(t), "StdioClientTransport no longer keeps a ReadBuffer in the private field _readBuffer").toBeInstanceOf(ReadBuffer);
    const sdkBuffer = new ReadBuffer();
    const calls: string[] = [];
    const recording: StdioReadBuffer = {
      append: (chunk) => (calls.push('append'), sdkBuffer.append(chunk)),
      readMessage: () => (calls.push('readMessage'), sdkBuffer.readMessage()),
      clear: () => (calls.push('clear'), sdkBuffer.clear()),
    };
    expect(replaceStdioReadBuffer(t, recording), '_readBuffer could not be replaced').toBe(true);
    const messages: JSONRPCMessage[] = [];
    t.onmessage = (message) => void messages.push(message);
    await t.start();
    await expect.poll(() => messages, { message: 'no message came through the replaced _readBuffer' }).toEqual([{ jsonrpc: '2.0', method: 'hello' }]);
    expect(calls, "start() no longer appends the child's output to _readBuffer and reads messages from it").toEqual(expect.arrayContaining(['append', 'readMessage']));
  });
});

describe("Protocol.request's signal option given a CallSignal (protocolSignal)", () => {
  /** Every member of CallSignal (types.ts): the only ones the SDK may read. */
  const CALL_SIGNAL_MEMBERS = ['aborted', 'reason', 'throwIfAborted', 'addEventListener', 'removeEventListener'] as const satisfies readonly (keyof CallSignal)[];

  /** A CallSignal that is no AbortSignal and has nothing else, as the HTTP layer's stand-in (disconnectSignal.ts). */
  class BareSignal implements CallSignal {
    aborted = false;
    reason: unknown = undefined;
    private listeners: ((event: Event) => void)[] = [];
    throwIfAborted(): void {
      if (this.aborted) throw this.reason;
    }
    addEventListener(_type: 'abort', listener: (event: Event) => void): void {
      this.listeners.push(listener);
    }
    removeEventListener(_type: 'abort', listener: (event: Event) => void): void {
      this.listeners = this.listeners.filter((l) => l !== listener);
    }
    abort(reason: unknown): void {
      this.aborted = true;
      this.reason = reason;
      for (const listener of this.listeners.splice(0)) listener(new Event('abort'));
    }
  }

  /** What the SDK read of the signal, by name (the signal's own methods run on the signal itself, unrecorded). */
  const read = new Set<string>();
  const watched = (signal: BareSignal): BareSignal =>
    new Proxy(signal, {
      get(target, key) {
        read.add(String(key));
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  let client: Client;
  let server: McpServer;
  const cancelled: string[] = [];
  let started: () => void = () => {};

  beforeAll(async () => {
    server = new McpServer({ name: 'signal-test', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'echoed' }] }));
    server.registerTool('wait', { inputSchema: {} }, async (_args, extra) => {
      started();
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve()));
      cancelled.push(String(extra.signal.reason));
      return { content: [] };
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'mcpo-test', version: '1.0.0' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  const call = (tool: string, signal: BareSignal) =>
    client.request({ method: 'tools/call', params: { name: tool, arguments: {} } }, CallToolResultSchema, { signal: protocolSignal(signal), timeout: 5_000 });

  it('a call with a signal that does not abort is answered', async () => {
    await expect(call('echo', watched(new BareSignal())), 'Protocol.request failed with a CallSignal in place of an AbortSignal').resolves.toMatchObject({
      content: [{ type: 'text', text: 'echoed' }],
    });
  });

  it('aborting the signal rejects the call with its reason and cancels it at the server (notifications/cancelled)', async () => {
    const signal = new BareSignal();
    const running = new Promise<void>((resolve) => (started = resolve));
    const result = call('wait', watched(signal));
    await running;
    signal.abort(new Error('the REST client went away'));
    const error = await result.catch((e: unknown) => e);
    expect(error, "aborting a CallSignal no longer rejects Protocol.request's call").toBeInstanceOf(McpError);
    expect((error as McpError).message, 'the rejection does not carry the abort reason').toContain('the REST client went away');
    await expect.poll(() => cancelled, { message: 'the server was not told the call was cancelled' }).toEqual(['Error: the REST client went away']);
  });

  it('a signal aborted before the call rejects it with the reason, and nothing is sent', async () => {
    const signal = new BareSignal();
    const reason = new Error('aborted already');
    signal.abort(reason);
    await expect(call('echo', watched(signal)), 'Protocol.request does not check throwIfAborted() first').rejects.toBe(reason);
  });

  it('reads no member of the signal that CallSignal does not have', () => {
    const extra = [...read].filter((name) => !(CALL_SIGNAL_MEMBERS as readonly string[]).includes(name));
    expect(extra, `Protocol.request now reads signal member(s) ${extra.join(', ')}: add them to CallSignal (src/mcp/types.ts) and its implementations`).toEqual([]);
    expect(read.size, 'the SDK read nothing of the signal: is it still passed to Protocol.request?').toBeGreaterThan(0);
  });
});
