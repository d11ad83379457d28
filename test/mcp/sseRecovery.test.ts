import { afterEach, expect, it } from 'vitest';
import { Manager } from '../../src/mcp/manager.js';
import { startEverything, type RunningEverything } from '../helpers/everything.js';
import { capturingLogger } from '../helpers/logs.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

it('an SSE server that restarts (its stream drops) gets a new session and calls work again', async () => {
  let peer: RunningEverything = await startEverything('sse');
  cleanup.push(() => peer.close());
  const logger = capturingLogger();
  const m = new Manager({ logger, parentEnv: process.env, clientInfo: { name: 't', version: '0' }, backoff: { initialMs: 100, maxMs: 500 } });
  cleanup.unshift(() => m.stop());
  m.start([{ kind: 'sse', name: 'sse', url: peer.url, headers: {}, disabledTools: [] }]);
  await m.settled();
  expect(JSON.stringify((await m.get('sse')!.callTool('get-sum', { a: 1, b: 2 })).content)).toContain('3');

  const port = peer.port;
  await peer.close();
  peer = await startEverything('sse', port);
  await expect
    .poll(
      async () => {
        try {
          return JSON.stringify((await m.get('sse')!.callTool('get-sum', { a: 2, b: 2 })).content);
        } catch (error) {
          return String(error);
        }
      },
      { timeout: 15_000, interval: 300 },
    )
    .toContain('4');
});
