import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { withRequestTimeout } from '../../src/oauth/requestTimeout.js';

describe('OAuth request time limit', () => {
  it('gives up on an endpoint that never answers, and leaves answering ones alone', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const limited = withRequestTimeout((url, init) => fetch(url, init), 200);
      const started = Date.now();
      await expect(limited(`${base}/slow`)).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await (await limited(`${base}/fast`)).text()).toBe('ok');
      // A caller's own abort still works through the limit.
      const controller = new AbortController();
      const pending = limited(`${base}/slow`, { signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
