import { Hono } from 'hono';
import { expect, it } from 'vitest';
import { listen } from '../../src/server/listen.js';

// Regression: listen() used to let @hono/node-server replace the global Response, after which
// `fetch(...) instanceof Response` was false and the SDK misread every OAuth error response
// (a refused refresh was retried forever instead of leading to a new authorization).
it('listening leaves the global Response alone, so fetch responses are still instances of it', async () => {
  const app = new Hono().get('/', (c) => c.json({ ok: true }));
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  try {
    const response = await fetch(server.url);
    expect(response).toBeInstanceOf(Response);
    expect(await response.json()).toEqual({ ok: true });
  } finally {
    await server.close();
  }
});
