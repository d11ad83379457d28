import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, expect, it } from 'vitest';

const requestBefore = globalThis.Request;
const responseBefore = globalThis.Response;
const { LightResponse, jsonResponse } = await import('../../src/server/lightResponse.js');

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

it('taking the light Response class leaves the global Request and Response as they were', async () => {
  expect(globalThis.Request).toBe(requestBefore);
  expect(globalThis.Response).toBe(responseBefore);
  expect(LightResponse).not.toBe(responseBefore);
  const server = createServer((_req, res) => res.end('{}')).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  // What the OAuth code relies on: real fetch responses are instances of the global Response.
  expect(await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).toBeInstanceOf(Response);
});

it('a JSON response made with it is a Response that Hono serves with its status, headers and body', async () => {
  const made = jsonResponse('{"a":1}', 201, { 'Cache-Control': 'no-store' });
  expect(made).toBeInstanceOf(Response);
  expect(made.status).toBe(201);

  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.res.headers.set('X-After', 'middleware ran');
  });
  app.post('/', () => jsonResponse('{"a":1}', 201, { 'Cache-Control': 'no-store' }));
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false })).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST' });
  expect(res.status).toBe(201);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-after')).toBe('middleware ran');
  expect(await res.json()).toEqual({ a: 1 });
});
