/**
 * The reference peer nobody here wrote (@modelcontextprotocol/server-everything) behind the whole proxy,
 * over stdio, SSE and streamable HTTP, called over real HTTP like any REST client would.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { run, type Running } from '../../src/run.js';
import { EVERYTHING_ENTRY, startEverything, type RunningEverything } from '../helpers/everything.js';

let proxy: Running;
const peers: RunningEverything[] = [];

beforeAll(async () => {
  const [http, sse] = await Promise.all([startEverything('streamableHttp'), startEverything('sse')]);
  peers.push(http, sse);
  const common = { disabledTools: [] };
  proxy = await run({
    servers: [
      { ...common, kind: 'stdio', name: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'], env: {}, inheritEnv: false },
      { ...common, kind: 'sse', name: 'sse', url: sse.url, headers: {} },
      { ...common, kind: 'streamable-http', name: 'http', url: http.url, headers: {} },
    ],
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    parentEnv: process.env,
    info: { title: 'everything', version: '1.0.0' },
  });
  await proxy.manager.settled();
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all(peers.map((p) => p.close()));
});

const call = async (path: string, body: unknown) => {
  const res = await fetch(`${proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
};

describe.each(['stdio', 'sse', 'http'])('server-everything over %s through mcpo', (server) => {
  it('echoes, adds, and returns structured content', async () => {
    expect(await call(`/${server}/echo`, { message: 'hello' })).toEqual({ status: 200, body: 'Echo: hello' });
    expect(await call(`/${server}/get-sum`, { a: 40, b: 2 })).toEqual({ status: 200, body: 'The sum of 40 and 2 is 42.' });
    const structured = await call(`/${server}/get-structured-content`, { location: 'New York' });
    expect(structured.status).toBe(200);
    expect(structured.body).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String) });
  });

  it('returns images as {type, mimeType, data} and keeps every item', async () => {
    const { status, body } = await call(`/${server}/get-tiny-image`, {});
    expect(status).toBe(200);
    expect(Array.isArray(body)).toBe(true);
    expect(body).toContainEqual({ type: 'image', mimeType: 'image/png', data: expect.stringMatching(/^[A-Za-z0-9+/=]+$/) });
  });

  it('refuses arguments that break the schema with 422 and says where', async () => {
    const { status, body } = await call(`/${server}/get-sum`, { a: '40', b: 2 });
    expect(status).toBe(422);
    expect(body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { problems: [{ path: '/a' }] } } });
  });

  it('multiplexes REST calls on one session: a quick call answers while slow ones on the same server run', async () => {
    const started = Date.now();
    const slow = Array.from({ length: 4 }, () => call(`/${server}/trigger-long-running-operation`, { duration: 1, steps: 1 }));
    const quick = await call(`/${server}/echo`, { message: 'meanwhile' });
    const quickMs = Date.now() - started;
    expect(quick).toEqual({ status: 200, body: 'Echo: meanwhile' });
    expect(quickMs).toBeLessThan(900);
    for (const result of await Promise.all(slow)) expect(result.status).toBe(200);
    // Four 1 s operations in series would take 4 s.
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('keeps resource links and embedded resources in the body', async () => {
    const links = await call(`/${server}/get-resource-links`, { count: 2 });
    expect(links.status).toBe(200);
    expect(links.body).toContainEqual(expect.objectContaining({ type: 'resource_link', uri: expect.stringMatching(/^demo:\/\//) }));
    const embedded = await call(`/${server}/get-resource-reference`, {});
    expect(embedded.status).toBe(200);
    expect(embedded.body).toContainEqual(expect.objectContaining({ type: 'resource', uri: expect.any(String) }));
  });

  it('serves a per-server document that validates as OpenAPI 3.1', async () => {
    const doc = await (await fetch(`${proxy.url}/${server}/openapi.json`)).json();
    const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(Object.keys((doc as { paths: object }).paths)).toContain('/get-sum');
  });
});

it('the root document lists every server as a tag and validates as OpenAPI 3.1', async () => {
  const doc = (await (await fetch(`${proxy.url}/openapi.json`)).json()) as { tags: Array<{ name: string }>; paths: object };
  expect(doc.tags.map((t) => t.name).sort()).toEqual(['http', 'sse', 'stdio']);
  expect(Object.keys(doc.paths)).toContain('/sse/echo');
  const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
  expect(result.valid).toBe(true);
});
