/**
 * mcpo as Open WebUI uses it: the real CLI serving the example server, server-everything and server-memory,
 * read and called by a faithful restatement of Open WebUI's tool-server client (test/helpers/openWebUiClient.ts,
 * which cites the file and functions it follows). Every listed tool must become a function the model can call:
 * a valid name, parameters without references Open WebUI leaves unresolved, and a call that is sent and
 * answered — argument-free tools with empty arguments too, which Open WebUI refused before sending while their
 * operations declared a requestBody (issue #13).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING_ENTRY } from '../helpers/everything.js';
import { connectOpenWebUi, FUNCTION_NAME, minimalArguments, unresolvedRefs, type OpenWebUiToolServer } from '../helpers/openWebUiClient.js';
import { REPO, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const require = createRequire(import.meta.url);
const MEMORY_ENTRY = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');
const KEY = 'open-webui-test-key';
const SERVERS = ['demo', 'everything', 'memory'] as const;

/**
 * Arguments a model would pick where the smallest valid ones would not do here: gzip's default `data` is a URL
 * on the internet, and the long-running operation's defaults take 10 s.
 */
const HAND_PICKED: Record<string, Record<string, unknown>> = {
  'everything__gzip-file-as-resource': { name: 'hello.txt.gz', data: 'data:text/plain;base64,aGVsbG8=' },
  'everything__trigger-long-running-operation': { duration: 0.2, steps: 1 },
};

/** Tools that answer with their own error on purpose: the call went through, and the tool said no. */
const FAILS_ON_PURPOSE = new Set(['demo__fail']);

/** Runs as an MCP task (its execution.taskSupport is "required") and takes seconds: called once, on its own. */
const RUNS_AS_TASK = 'everything__simulate-research-query';

let mcpo: McpoProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcpo-openwebui-'));
  const config = {
    mcpServers: {
      demo: { command: process.execPath, args: [join(REPO, 'examples/stdio-demo/server.mjs')] },
      everything: { command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
      memory: { command: process.execPath, args: [MEMORY_ENTRY], env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } },
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  mcpo = await startMcpo(['--config', join(dir, 'config.json'), '--port', '0', '--api-key', KEY, '--strict-auth']);
  // expect.poll only works inside a test: a plain wait for every server to be connected.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const health = await fetch(`${mcpo.url}/healthz`, { headers: { Authorization: `Bearer ${KEY}` } });
    const { servers } = (await health.json()) as { servers: Record<string, { state: string }> };
    if (SERVERS.every((name) => servers[name]?.state === 'connected')) break;
    if (Date.now() > deadline) throw new Error(`servers not connected: ${JSON.stringify(servers)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 40_000);

afterAll(async () => {
  await mcpo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Open WebUI connected to mcpo at its root URL', () => {
  let server: OpenWebUiToolServer;
  beforeAll(async () => {
    server = await connectOpenWebUi(mcpo.url, KEY);
  });

  it('sees every tool of every server as a function with a name the model API accepts', () => {
    const names = server.functions.map((fn) => fn.name);
    for (const prefix of SERVERS) expect(names.some((name) => name.startsWith(`${prefix}__`)), prefix).toBe(true);
    expect(names).toContain('memory__read_graph');
    expect(names).toContain('everything__get-env');
    for (const name of names) expect(name).toMatch(FUNCTION_NAME);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gets parameters without a reference it leaves unresolved', () => {
    for (const fn of server.functions) expect(unresolvedRefs(fn.parameters), fn.name).toEqual([]);
  });

  it('calls every argument-free tool with empty arguments: sent, not refused, and answered 200', async () => {
    const argumentFree = server.functions.filter((fn) => Object.keys(fn.parameters.properties ?? {}).length === 0);
    expect(argumentFree.map((fn) => fn.name)).toEqual(
      expect.arrayContaining(['memory__read_graph', 'everything__get-env', 'everything__get-tiny-image', 'demo__now']),
    );
    for (const fn of argumentFree) {
      const outcome = await server.call(fn.name, {});
      expect(outcome, fn.name).toMatchObject({ sent: true, status: 200 });
    }
  });

  it('calls every tool with arguments with the smallest arguments a model could send', async () => {
    const withArguments = server.functions.filter((fn) => Object.keys(fn.parameters.properties ?? {}).length > 0 && fn.name !== RUNS_AS_TASK);
    for (const fn of withArguments) {
      const args = HAND_PICKED[fn.name] ?? minimalArguments(fn.parameters);
      const outcome = await server.call(fn.name, args);
      if (FAILS_ON_PURPOSE.has(fn.name)) {
        expect(outcome, fn.name).toMatchObject({ sent: true, status: 424, result: { error: expect.stringContaining('TOOL_ERROR') } });
      } else {
        expect(outcome, `${fn.name} ${JSON.stringify(args)}`).toMatchObject({ sent: true, status: 200 });
      }
    }
  });

  it('keeps what server-memory stores between calls, as a chat using it would', async () => {
    const entity = { name: 'mcpo', entityType: 'project', observations: ['speaks OpenAPI'] };
    expect(await server.call('memory__create_entities', { entities: [entity] })).toMatchObject({ sent: true, status: 200 });
    const graph = await server.call('memory__read_graph', {});
    expect(graph).toMatchObject({ sent: true, status: 200, result: { entities: expect.arrayContaining([expect.objectContaining(entity)]) } });
  });

  it('hands the model an error that names every variant when it picks none of them, so it can correct itself', async () => {
    const outcome = await server.call('demo__describe_shape', { shape: { kind: 'triangle', side: 3 } });
    expect(outcome).toMatchObject({ sent: true, status: 422 });
    // What the model reads: "HTTP error 422: " and mcpo's error envelope.
    const text = (outcome as { result: { error: string } }).result.error;
    const envelope = JSON.parse(text.replace(/^HTTP error 422: /, '')) as { error: { details: { problems: unknown[] } } };
    expect(envelope.error.details.problems).toEqual([{ path: '/shape/kind', message: expect.stringContaining('Must be one of "circle", "rectangle"') }]);
  });

  it('still refuses, as Open WebUI does, a tool whose arguments are all optional when the model sends none', async () => {
    // Open WebUI's rule, not mcpo's: the operation must keep its body to let the model pass `count` at all.
    expect(await server.call('everything__get-resource-links', {})).toEqual({
      sent: false,
      error: "Request body expected for operation 'everything__get-resource-links' but none found.",
    });
  });

  it(`calls ${RUNS_AS_TASK}, which the server runs only as an MCP task (taskSupport "required")`, async () => {
    const outcome = await server.call(RUNS_AS_TASK, { topic: 'MCP' });
    expect(outcome).toMatchObject({ sent: true, status: 200 });
  }, 30_000);
});

describe.each(SERVERS)('Open WebUI connected to one server, %s, at <mcpo>/%s', (name) => {
  it('calls each argument-free tool with empty arguments and the others with the smallest ones', async () => {
    const server = await connectOpenWebUi(`${mcpo.url}/${name}`, KEY);
    expect(server.functions.length).toBeGreaterThan(0);
    for (const fn of server.functions.filter((f) => f.name !== RUNS_AS_TASK)) {
      expect(fn.name).toMatch(FUNCTION_NAME);
      const args = HAND_PICKED[fn.name] ?? minimalArguments(fn.parameters);
      const outcome = await server.call(fn.name, args);
      expect(outcome, fn.name).toMatchObject({ sent: true, status: FAILS_ON_PURPOSE.has(fn.name) ? 424 : 200 });
    }
  });
});

describe('the route of a tool without arguments (no requestBody in the documents)', () => {
  /** A POST as curl sends it (fetch adds Sec-Fetch-Mode, which marks a browser). */
  const post = (path: string, body: string | undefined, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${mcpo.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}`, ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });

  it('takes no body, {} and no Content-Type alike', async () => {
    expect(await post('/memory/read_graph', undefined, {})).toBe(200);
    expect(await post('/memory/read_graph', '', { 'content-length': '0' })).toBe(200);
    expect(await post('/memory/read_graph', '{}', {})).toBe(200);
    expect(await post('/memory/read_graph', '{}', { 'content-type': 'application/json' })).toBe(200);
  });
});
